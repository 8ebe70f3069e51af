/**
 * Rollback from each stage, end to end through the API against real redis-servers: traffic
 * goes back to the source stage by stage, the mirror drains, source and target are compared
 * (0 differences), and every write acknowledged during the migration is on the source.
 * Also: who may roll back, and the automatic rollback of the monitor.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compareServers } from '@/test/compare';
import { RandomWriter } from '@/test/random-writer';
import { Ledger, resetBench, Runbook, setupFor, startBench, type Bench } from './test-support';
import type { MigrationSetupInput } from './schema';

const SEED = 2000;

describe('rollback', () => {
  let b: Bench;
  let writer: RandomWriter | undefined;
  let ledger: Ledger | undefined;

  beforeAll(async () => {
    b = await startBench('embedded');
  });
  afterAll(async () => {
    await b?.api.close();
    await Promise.all([b?.source.stop(), b?.target.stop()]);
  });
  beforeEach(async () => {
    await resetBench(b, SEED);
  });
  afterEach(async () => {
    await writer?.stop();
    await ledger?.stop();
    writer = undefined;
    ledger = undefined;
  });

  async function toSynced(setup: MigrationSetupInput): Promise<Runbook> {
    const run = await Runbook.create(b, setup);
    await run.toApproved();
    writer = new RandomWriter({ port: b.interlayPort, keysPerFamily: 400, clients: 2 }).start();
    ledger = new Ledger(b.interlayPort).start();
    await run.execute();
    await run.reach('synced', 60_000);
    return run;
  }

  /** Stops the writers, rolls back, and checks the outcome: at source, compared equal, nothing lost. */
  async function rollBack(run: Runbook, token = b.operator): Promise<void> {
    await writer!.until(2000);
    expect((await writer!.stop()).failures).toEqual([]);
    await ledger!.stop();
    const r = await run.call('POST', '/rollback', token, { reason: 'the target misbehaves' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.state).toBe('rolling_back');
    const done = await run.reach('rolled_back', 60_000);
    expect(done.rollback).toMatchObject({ reason: 'the target misbehaves', automatic: false, ok: true, verification: { differences: 0 } });
    expect(done.rollback!.stages[done.rollback!.stages.length - 1]).toBe('source');
    expect(await run.stage()).toBe('source');
    expect(await ledger!.missingOn(b.source)).toEqual([]);
    const c = await compareServers(b.source, b.target);
    expect(c, c.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    // The run closes at the end of the window kept after a rollback.
    await run.reach('closed', 20_000);
  }

  it('from dual_write (synced), by the named rollback approver (an approver, who may not operate)', async () => {
    const me = await b.api.call('GET', '/api/v1/auth/me', { token: b.approver });
    const run = await toSynced(setupFor({ rollback_approver: me.body.user.username }));
    expect((await run.call('POST', '/rollback', b.viewer, { reason: 'x' })).status).toBe(403);
    expect((await run.call('POST', '/rollback', b.operator, {})).body.error.issues[0].path).toBe('reason');
    await rollBack(run, b.approver);
  });

  it('from a canary step; an approver who is not the named one may not roll back', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'canary', read_percentage: [20] } }));
    await run.traffic({ step: 1 });
    expect((await run.call('POST', '/rollback', b.approver, { reason: 'x' })).status).toBe(403);
    expect(await run.stage()).toBe('canary');
    await rollBack(run);
  });

  it('from target_primary, with the writes made there on the source', async () => {
    const run = await toSynced(setupFor());
    await run.traffic({ step: 1 });
    expect(await run.stage()).toBe('target_primary');
    await rollBack(run);
    const history = (await run.call('GET', '/events', b.viewer)).body.events.filter((e: { type: string }) => e.type === 'traffic').map((e: { data: { to: string } }) => e.data.to);
    expect(history).toEqual(['dual_write', 'target_primary', 'dual_write', 'source']);
  });

  it('automatically, when divergence keeps growing while shadow reads are compared', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'shadow', sample_rate: 1 }, auto_rollback: { divergence_growth: true, window_s: 2 } }));
    await run.traffic({ step: 1 });
    expect((await writer!.stop()).failures).toEqual([]);
    await ledger!.stop();
    // Change the target behind the interlay's back: every shadow read of these keys diverges.
    const { Redis } = await import('ioredis');
    const tgt = new Redis({ host: b.target.host, port: b.target.port });
    const app = new Redis({ host: '127.0.0.1', port: b.interlayPort });
    try {
      for (let i = 0; i < 40; i++) await tgt.set(`seed:s:${i * 4}`, 'tampered');
      const end = Date.now() + 15_000;
      while ((await run.run()).state !== 'rolling_back' && (await run.run()).state !== 'rolled_back' && Date.now() < end) {
        for (let i = 0; i < 40; i++) await app.get(`seed:s:${i * 4}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    } finally {
      tgt.disconnect();
      app.disconnect();
    }
    const done = await run.reach('rolled_back', 30_000);
    expect(done.rollback).toMatchObject({ automatic: true, by: 'system', reason: expect.stringMatching(/automatic rollback: divergences grew/) });
    const events = (await run.call('GET', '/events', b.viewer)).body.events;
    expect(events.some((e: { type: string; data: { metric?: string } }) => e.type === 'monitor' && e.data.metric === 'divergence')).toBe(true);
  });
});
