/**
 * Data movement modes and restart safety, end to end through the API against real
 * redis-servers: bulk_only (offline copy, cutover at completion), mirror_only (a target
 * seeded elsewhere, only live mirroring), and a console restart in the middle of the bulk
 * copy of a bulk_then_mirror run, which then goes on to completion with nothing lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { registerContext } from '@/server/api/context';
import { createContext, type ServerContext } from '@/server/context';
import { ADMIN_TOKEN } from '@/test/api';
import { compareServers } from '@/test/compare';
import { RandomWriter } from '@/test/random-writer';
import { fill, Ledger, Runbook, setupFor, until, useBench, type Bench } from './test-support';

const SEED = 3000;

describe('data movement modes and restart', () => {
  let b: Bench;
  let ledger: Ledger | undefined;
  let restarted: ServerContext | undefined;

  useBench(SEED, (x) => (b = x), {
    // The context started after the restart is closed first; the bench's own is closed last.
    beforeClose: async () => {
      if (!restarted) return;
      await restarted.stop();
      await restarted.close();
      registerContext(b.api.ctx);
    },
  });
  afterEach(async () => {
    await ledger?.stop();
    ledger = undefined;
  });

  async function expectIdentical(minKeys = SEED): Promise<void> {
    const c = await compareServers(b.source, b.target);
    expect(c, c.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(c.keys).toBeGreaterThanOrEqual(minKeys);
  }

  async function finish(run: Runbook): Promise<void> {
    await ledger?.stop();
    await run.accept();
    await run.complete();
    await run.reach('closed', 20_000);
    expect(await run.stage()).toBe('target');
    if (ledger) {
      expect(await ledger.missingOn(b.source)).toEqual([]);
      expect(await ledger.missingOn(b.target)).toEqual([]);
    }
  }

  it('bulk_only: the interlay stays at source while the copy runs; completion is the cutover', async () => {
    const bad = await b.api.call('POST', '/api/v1/migrations', { token: b.operator, body: { name: 'x', setup: setupFor({ data_movement: 'bulk_only', strategy: { type: 'canary' } }) } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues).toEqual([{ path: 'setup.strategy.type', message: expect.stringMatching(/use big_bang/) }]);
    const run = await Runbook.create(b, setupFor({ data_movement: 'bulk_only', conflict_policy: 'None' }));
    await run.toApproved();
    await run.execute();
    await run.reach('synced', 60_000);
    expect(await run.stage()).toBe('source');
    expect((await run.run()).traffic.steps).toEqual([]);
    expect((await run.call('POST', '/traffic', b.operator, { step: 0 })).status).toBe(409);
    await finish(run);
    await expectIdentical();
  });

  it('mirror_only: a target seeded elsewhere is kept in sync by the mirror alone', async () => {
    await fill(b.target, SEED);
    const run = await Runbook.create(b, setupFor({ data_movement: 'mirror_only' }));
    await run.toApproved();
    await run.execute();
    // Mirroring only: what is written before dual_write reaches the target only if it was seeded with it.
    ledger = new Ledger(b.interlayPort).start();
    const synced = await run.reach('synced', 60_000);
    expect(synced.copy_job_id).toBeNull();
    expect(await run.stage()).toBe('dual_write');
    // The interlay cannot know a target it did not fill: the move is forced with the approval as the reason.
    await run.traffic({ step: 1 });
    const routing = await b.api.call('GET', '/api/v1/interlays/live/routing', { token: b.viewer });
    expect(routing.body.forced.reason).toMatch(/mirror_only/);
    await until(async () => ledger!.acked.length > 200, 'ledger writes');
    await finish(run);
    await expectIdentical();
  });

  it('waits in executing while error keys are unresolved; retrying them through the run lets it sync', async () => {
    const run = await Runbook.create(b, setupFor({ data_movement: 'bulk_only', conflict_policy: 'None' }));
    await run.toApproved();
    // The target runs out of memory part-way through the copy.
    const used = Number(/used_memory:(\d+)/.exec(b.target.cli('INFO', 'memory'))![1]);
    b.target.cli('CONFIG', 'SET', 'maxmemory', String(used + 60_000));
    try {
      await run.execute();
      await until(async () => (await run.call('GET', '/events', b.viewer)).body.events.find((e: { type: string }) => e.type === 'error_keys'), 'an error-key event');
      const keys = await run.call('GET', '/error-keys', b.viewer);
      expect(keys.body.items.length).toBeGreaterThan(0);
      expect(keys.body.counts_by_class).toHaveProperty('target_oom');
      expect((await run.call('GET', '/metrics', b.viewer)).body.error_keys.unresolved).toBeGreaterThan(0);
      expect((await run.run()).state).toBe('executing');
      expect((await run.call('POST', '/error-keys/retry', b.viewer, {})).status).toBe(403);
    } finally {
      b.target.cli('CONFIG', 'SET', 'maxmemory', '0');
    }
    const retried = await run.call('POST', '/error-keys/retry', b.operator, {});
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.copied).toBeGreaterThan(0);
    await run.reach('synced', 30_000);
    await expectIdentical();
  });

  it('goes on after a console restart in the middle of the bulk copy', async () => {
    await fill(b.source, 20_000, 'more');
    const run = await Runbook.create(b, setupFor({ rate_limit: { keys_per_sec: 5000 } }));
    await run.toApproved();
    ledger = new Ledger(b.interlayPort).start();
    let writer = new RandomWriter({ port: b.interlayPort, keysPerFamily: 300, clients: 2 }).start();
    await run.execute();
    await until(async () => (await run.call('GET', '/events', b.viewer)).body.events.some((e: { data: { milestone?: string } }) => e.data.milestone === 'copy_25'), 'a quarter of the copy');
    expect((await run.run()).state).toBe('executing');
    expect((await writer.stop()).failures).toEqual([]);

    await b.api.ctx.stop();
    registerContext(undefined);
    await b.api.ctx.close();
    const env = { DATA_DIR: b.api.ctx.config.dataDir, ADMIN_TOKEN, LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'true' } as const;
    restarted = await createContext(loadConfig(env), createLogger({ level: 'silent' }), { db: b.api.db });
    registerContext(restarted);
    await restarted.start();

    writer = new RandomWriter({ port: b.interlayPort, keysPerFamily: 300, clients: 2, seed: 7 }).start();
    await run.reach('synced', 60_000);
    expect(await run.stage()).toBe('dual_write');
    await run.traffic({ step: 1 });
    await writer.until(2000);
    expect((await writer.stop()).failures).toEqual([]);
    await finish(run);
    await expectIdentical(SEED + 20_000);
    const job = await b.api.call('GET', `/api/v1/copy-jobs/${(await run.run()).copy_job_id}/transitions`, { token: b.viewer });
    expect(job.body.transitions.map((t: { event: string }) => t.event)).toContain('restart');
  });
});
