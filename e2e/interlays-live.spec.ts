/**
 * The live path in the browser: a source and a target redis-server of this spec's own (both
 * empty), registered as endpoints and fronted by an interlay (seeded through the API). In the
 * page, the operator picks the target and moves the interlay to dual_write; a random writer
 * then hammers the interlay while the operator moves it to target_primary (refused as
 * unsynced, then forced with a reason) and rolls it back to dual_write. After the writer stops
 * and the mirror drains, the two servers are compared key by key; then the interlay goes back
 * to source and they are compared again. The list shows the stage and live figures pushed
 * over the socket. Serial: one interlay, destructive moves.
 *
 * Why the rollback is target_primary → dual_write → source and not one step: in stage source
 * nothing is mirrored, so a writer still running after a move to source makes the sides
 * differ by design. The rollback under load is the move to dual_write (the primary moves back
 * to the source while writes keep coming); the move to source happens once the writer stopped.
 */
import { Redis } from 'ioredis';
import { compareServers } from '../test/compare';
import { RandomWriter } from '../test/random-writer';
import { freePort, startRedis, type RedisServer } from '../test/redis-server';
import { ADMIN_TOKEN } from './env';
import { expect, test } from './fixtures';
import { InterlayLivePage } from './pages/interlay-live';
import { InterlaysPage } from './pages/interlays';

test.describe.configure({ mode: 'serial' });

const SUFFIX = Date.now().toString(36);
const SRC = `e2e-live-src-${SUFFIX}`;
const TGT = `e2e-live-tgt-${SUFFIX}`;
const ID = `e2e-live-${SUFFIX}`;
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Metrics {
  routing: { stage: string };
  mirror: { links: { name: string; queue_depth: number; ops_total: number }[]; syncs: { pending: number; running: number } };
}

test.describe('interlay live migration', () => {
  let src: RedisServer;
  let tgt: RedisServer;
  let port: number;

  test.beforeAll(async ({ request }) => {
    [src, tgt] = await Promise.all([startRedis(), startRedis()]);
    for (const [name, s] of [[SRC, src], [TGT, tgt]] as const) {
      const r = await request.post('/api/v1/endpoints', { headers: auth, data: { endpoint: name, config: { read_conn: { host: s.host, port: s.port }, write_conn: { host: s.host, port: s.port } } } });
      expect(r.status(), await r.text()).toBe(201);
    }
    port = await freePort();
    const il = await request.post('/api/v1/interlays', {
      headers: auth,
      data: { id: ID, endpoint: SRC, port, start: true, settings: { allow_unauthenticated: { acknowledged: true, reason: 'e2e writer connects without AUTH' } } },
    });
    expect(il.status(), await il.text()).toBe(201);
    expect((await il.json()).status).toBe('listening');
  });

  test.afterAll(async ({ request }) => {
    await request.post(`/api/v1/interlays/${ID}/stop`, { headers: auth, data: { drain_timeout_ms: 0 } });
    await request.delete(`/api/v1/interlays/${ID}`, { headers: auth });
    for (const e of [SRC, TGT]) await request.delete(`/api/v1/endpoints/${e}`, { headers: auth });
    await Promise.all([src?.stop(), tgt?.stop()]);
  });

  test('the list shows the stage and live figures pushed over the socket', async ({ page }) => {
    const list = new InterlaysPage(page);
    await list.goto();
    const row = list.row(ID);
    await expect(row.getByTestId('interlay-stage')).toHaveText('source');
    await expect(row.getByTestId('list-connections')).toHaveText('0');
    // The list no longer polls: only the socket can bring these figures in.
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    const traffic = setInterval(() => void client.ping().catch(() => {}), 50);
    try {
      // Ticks come once a second; the old 5 s poll could not meet this.
      await expect(row.getByTestId('list-connections')).toHaveText('1', { timeout: 3_000 });
      await expect(row.getByTestId('list-ops-per-sec')).not.toHaveText(/^(0|—)$/, { timeout: 3_000 });
    } finally {
      clearInterval(traffic);
      client.disconnect();
    }
    await expect(row.getByTestId('list-connections')).toHaveText('0', { timeout: 5_000 });
  });

  test('moves dual_write → target_primary (forced) → back under a writer; source and target end identical', async ({ page, request }) => {
    test.setTimeout(180_000);
    const metrics = async () => (await (await request.get(`/api/v1/interlays/${ID}/metrics`, { headers: auth })).json()) as Metrics;
    const drained = async () => {
      await expect
        .poll(
          async () => {
            const m = await metrics();
            return m.mirror.links.every((l) => l.queue_depth === 0) && m.mirror.syncs.pending === 0 && m.mirror.syncs.running === 0;
          },
          { timeout: 30_000 },
        )
        .toBe(true);
    };
    const ui = new InterlayLivePage(page);
    await ui.goto(ID);
    await expect(ui.stage).toHaveText('source');

    // No target yet: the move says what it needs and cannot be confirmed.
    const early = await ui.openMove('dual_write');
    await expect(early.getByText('Choose a target endpoint and save the routing first')).toBeVisible();
    await expect(early.getByTestId('move-confirm')).toBeDisabled();
    await early.getByRole('button', { name: 'Cancel' }).click();

    await ui.setTarget(TGT);
    const dual = await ui.openMove('dual_write');
    await expect(dual.getByText(`Mirroring starts to ${TGT}`)).toBeVisible();
    await dual.getByRole('button', { name: 'Cancel' }).click();
    await ui.move('dual_write');
    await expect(ui.backend('target').getByTestId('backend-state')).toHaveText('up');

    const writer = new RandomWriter({ port, clients: 2, keysPerFamily: 300, seed: 7 }).start();
    try {
      await writer.until(2_000);
      // The page shows the mirror at work.
      await expect.poll(async () => ui.number(ui.mirrorLink('target').getByTestId('link-ops-total')), { timeout: 15_000 }).toBeGreaterThan(0);
      await expect.poll(async () => ui.number(page.getByTestId('stat-mirror-replayed')), { timeout: 15_000 }).toBeGreaterThan(0);

      // No copy job filled the target: the server refuses, the operator forces it with a reason.
      const refusal = await ui.forceMove('target_primary', 'e2e: both servers started empty, every write was mirrored');
      expect(refusal).toMatch(/not known to be in sync/);
      await expect(ui.section.getByTestId('last-forced')).toContainText('e2e: both servers started empty');
      await expect(ui.backend('target')).toContainText('primary');
      const before = writer.stats.ops;
      await writer.until(before + 2_000);
      // In target_primary the writes are mirrored back to the source.
      await expect.poll(async () => ui.number(ui.mirrorLink('source').getByTestId('link-ops-total')), { timeout: 15_000 }).toBeGreaterThan(0);
      // Mirror errors go to the error-key store; the page links their export.
      await expect(page.getByTestId('mirror-error-keys').getByRole('link', { name: 'CSV' })).toHaveAttribute('href', `/api/v1/interlays/${ID}/error-keys/export?format=csv&resolved=false`);
      // The mirror charts draw the ticks (and keep them when the history is refetched).
      await expect(page.getByTestId('chart-mirror-ops').locator('path.recharts-line-curve')).toHaveAttribute('d', /\d[LC]\d/);

      // Rollback under load: the primary moves back to the source.
      const back = await ui.openMove('dual_write');
      await expect(back.getByText('This is a rollback to an earlier stage.')).toBeVisible();
      await expect(back.getByText('The primary moves from the target to the source', { exact: false })).toBeVisible();
      await back.getByTestId('move-confirm').click();
      await expect(back).toBeHidden();
      await expect(ui.stage).toHaveText('dual_write');
      await writer.until(writer.stats.ops + 2_000);
    } finally {
      const stats = await writer.stop();
      expect(stats.failures, stats.failures.slice(0, 5).join(' | ')).toEqual([]);
    }

    await drained();
    const afterRollback = await compareServers(src, tgt);
    expect(afterRollback.keys).toBeGreaterThan(100);
    expect(afterRollback, afterRollback.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });

    await ui.move('source');
    expect((await metrics()).routing.stage).toBe('source');
    const atSource = await compareServers(src, tgt);
    expect(atSource, atSource.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    const routing = await (await request.get(`/api/v1/interlays/${ID}/routing`, { headers: auth })).json();
    expect(routing).toMatchObject({ stage: 'source', target: TGT, forced: { to: 'target_primary', from: 'dual_write' } });
  });
});
