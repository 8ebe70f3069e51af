/**
 * Compatibility reports in the browser: endpoints with planted problems (a non-empty
 * target with a tiny maxmemory and an evicting policy) seeded through the API, a report
 * created from the form, findings with their evidence, and an approver acknowledging a
 * warning (blocking findings say "fix and re-run" and offer no acknowledgement).
 */
import { expect, test } from './fixtures';
import { startRedis, type RedisServer } from '../test/redis-server';
import { ADMIN_TOKEN } from './env';
import { CompatPage } from './pages/compat';
import { LoginPage } from './pages/login';

test.describe.configure({ mode: 'serial' });

const SUFFIX = Date.now().toString(36);
const SRC = `e2e-compat-src-${SUFFIX}`;
const TGT = `e2e-compat-tgt-${SUFFIX}`;
const APPROVER = `e2e-approver-${SUFFIX}`;
const APPROVER_PASSWORD = 'approver-password-1';
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

test.describe('compatibility reports', () => {
  let src: RedisServer;
  let tgt: RedisServer;
  let reportId: string;

  test.beforeAll(async ({ request }) => {
    [src, tgt] = await Promise.all([startRedis(), startRedis({ config: { maxmemory: '1mb', 'maxmemory-policy': 'allkeys-lru' } })]);
    src.cli('SET', 'user:1', 'alice');
    src.cli('HSET', 'user:2', 'name', 'bob');
    tgt.cli('SET', 'left-over', 'x');
    for (const [name, s] of [[SRC, src], [TGT, tgt]] as const) {
      const r = await request.post('/api/v1/endpoints', { headers: auth, data: { endpoint: name, config: { target: { host: s.host, port: s.port } } } });
      expect(r.status(), await r.text()).toBe(201);
    }
    const u = await request.post('/api/v1/users', { headers: auth, data: { username: APPROVER, password: APPROVER_PASSWORD, role: 'approver' } });
    expect(u.status(), await u.text()).toBe(201);
  });

  test.afterAll(async ({ request }) => {
    await request.delete(`/api/v1/users/${APPROVER}`, { headers: auth });
    for (const e of [SRC, TGT]) await request.delete(`/api/v1/endpoints/${e}`, { headers: auth });
    await Promise.all([src?.stop(), tgt?.stop()]);
  });

  test('creates a report from the form and shows findings with evidence', async ({ page }) => {
    const ui = new CompatPage(page);
    await ui.goto();
    reportId = await ui.create({ source: SRC, target: TGT, policy: 'None' });
    await ui.waitCompleted();
    await expect(page.getByTestId('compat-approvable')).toHaveText(/not approvable/);

    const notEmpty = ui.finding('target-not-empty');
    await expect(notEmpty.getByTestId('severity-warning')).toBeVisible();
    await expect(notEmpty.getByTestId('finding-evidence')).toContainText('total keys');
    await expect(notEmpty.getByText(/BUSYKEY/).first()).toBeVisible();

    const memory = ui.finding('memory-headroom');
    await expect(memory.getByTestId('severity-blocking')).toBeVisible();
    await expect(memory.getByTestId('finding-evidence')).toContainText('overhead factor');
    await expect(page.getByTestId('finding-memory-headroom-fix')).toHaveText(/fix and re-run/);
    // The admin may approve too, but a blocking finding has no acknowledge button.
    await expect(page.getByTestId('finding-memory-headroom-ack')).toHaveCount(0);

    await page.getByTestId('compat-tab-analysis').click();
    await expect(page.getByTestId('compat-prefixes')).toContainText('user:*');
  });

  test.describe('as an approver', () => {
    test.use({ storageState: { cookies: [], origins: [] } });

    test('acknowledges a warning with notes', async ({ page }) => {
      const login = new LoginPage(page);
      await login.goto(`/compatibility/${reportId}`);
      await login.signIn(APPROVER, APPROVER_PASSWORD);
      await expect(page).toHaveURL(new RegExp(`/compatibility/${reportId}$`));
      const ui = new CompatPage(page);
      // Approvers cannot re-run (operate) but can acknowledge.
      await expect(page.getByTestId('compat-rerun')).toHaveCount(0);
      await ui.acknowledge('target-not-empty', 'left-over keys on the target are expected');
      await expect(ui.finding('target-not-empty')).toContainText(`Acknowledged by ${APPROVER}`);
      await expect(page.getByTestId('compat-count-unacknowledged-warnings')).not.toHaveText('0');
    });
  });
});
