/**
 * Copy jobs in the browser: two redis-servers of this spec's own (source with seeded
 * keys, empty target) registered as endpoints through the API, a job created from the
 * form that runs to completion with its progress shown, the error key export link, and a
 * verification that reports 0 differences.
 */
import { expect, test } from './fixtures';
import { startRedis, type RedisServer } from '../test/redis-server';
import { ADMIN_TOKEN } from './env';
import { CopyJobsPage } from './pages/copy-jobs';

test.describe.configure({ mode: 'serial' });

const SUFFIX = Date.now().toString(36);
const SRC = `e2e-copy-src-${SUFFIX}`;
const TGT = `e2e-copy-tgt-${SUFFIX}`;
const KEYS = 300;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

test.describe('copy jobs', () => {
  let src: RedisServer;
  let tgt: RedisServer;
  let jobId: string;

  test.beforeAll(async ({ request }) => {
    [src, tgt] = await Promise.all([startRedis(), startRedis()]);
    const args: string[] = [];
    for (let i = 0; i < KEYS - 1; i++) args.push(`e2e:${i}`, `value-${i}`);
    src.cli('MSET', ...args);
    src.cli('HSET', 'e2e:hash', 'a', '1', 'b', '2');
    src.cli('SET', 'other:not-matched', 'x');
    for (const [name, s] of [[SRC, src], [TGT, tgt]] as const) {
      const r = await request.post('/api/v1/endpoints', { headers: auth, data: { endpoint: name, config: { read_conn: { host: s.host, port: s.port }, write_conn: { host: s.host, port: s.port } } } });
      expect(r.status(), await r.text()).toBe(201);
    }
  });

  test.afterAll(async ({ request }) => {
    for (const e of [SRC, TGT]) await request.delete(`/api/v1/endpoints/${e}`, { headers: auth });
    await Promise.all([src?.stop(), tgt?.stop()]);
  });

  test('creates a job from the form and watches it complete', async ({ page }) => {
    const ui = new CopyJobsPage(page);
    await ui.goto();
    jobId = await ui.create({ source: SRC, targets: [TGT], match: ['e2e:*'] });
    await expect(page.getByTestId('job-progress')).toBeVisible();
    await ui.waitStatus('completed');
    await expect(ui.stat('copied')).toHaveText(String(KEYS));
    await expect(ui.stat('errors')).toHaveText('0');
    expect(tgt.cli('DBSIZE').trim()).toBe(String(KEYS));
    // Progress counts the keys the MATCH selects (not the whole keyspace), and a finished job says so.
    await expect(page.getByTestId('job-progress')).toContainText(`${KEYS} / ${KEYS} keys`);
    await expect(page.getByTestId('job-progress')).toContainText('done');
    await expect(page.getByTestId('job-progress')).not.toContainText('ETA');

    await ui.goto();
    await expect(ui.row(jobId).getByTestId('copy-job-status')).toHaveText('completed');
    await expect(ui.row(jobId)).toContainText(`${KEYS} / ${KEYS} keys`);
  });

  test('exports error keys and verifies the copy with 0 differences', async ({ page }) => {
    const ui = new CopyJobsPage(page);
    await page.goto(`/copy-jobs/${jobId}`);
    await ui.waitStatus('completed');
    await expect(page.getByTestId('no-error-keys')).toBeVisible();
    const { download, text } = await ui.exportErrorKeys('csv');
    expect(download.suggestedFilename()).toBe(`copy-job-${jobId}-error-keys.csv`);
    expect(text.split('\r\n')[0]).toBe('id,origin,target,target_endpoint,db,key,key_encoding,type,size,error_class,message,retryable,attempts,first_seen,last_seen,resolved,resolved_at,resolution_note');

    await ui.runVerification('full');
    await expect(page.getByTestId('verification-differences')).toHaveText('0 differences');
    await expect(page.getByTestId('verification-checked')).toHaveText(String(KEYS));
  });
});
