/**
 * Rollback from each stage, end to end through the API against real redis-servers: traffic
 * goes back to the source stage by stage, the mirror drains, source and target are compared
 * (0 differences), and every write acknowledged during the migration is on the source.
 * Also: who may roll back, and the automatic rollback of the monitor.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { compareServers } from '@/test/compare';
import { AppTraffic, fill, Runbook, setupFor, until, useBench, type Bench } from './test-support';
import type { MigrationSetupInput } from './schema';

const SEED = 2000;

describe('rollback', () => {
  let b: Bench;
  const app = new AppTraffic();

  useBench(SEED, (x) => (b = x));
  afterEach(() => app.stop());

  async function toSynced(setup: MigrationSetupInput): Promise<Runbook> {
    const run = await Runbook.create(b, setup);
    await run.toApproved();
    app.start(b.interlayPort, { keysPerFamily: 400, clients: 2 });
    await run.execute();
    await run.reach('synced', 60_000);
    return run;
  }

  /** Stops the writers, rolls back, and checks the outcome: at source, compared equal, nothing lost. */
  async function rollBack(run: Runbook, token = b.operator, opts: { closes?: boolean; writersStopped?: boolean } = {}): Promise<void> {
    if (!opts.writersStopped) {
      await app.until(2000);
      await app.stop();
    }
    const r = await run.call('POST', '/rollback', token, { reason: 'the target misbehaves' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(r.body.state).toBe('rolling_back');
    const done = await run.reach('rolled_back', 60_000);
    expect(done.rollback).toMatchObject({ reason: 'the target misbehaves', automatic: false, ok: true, verification: { differences: 0 } });
    expect(done.rollback!.stages[done.rollback!.stages.length - 1]).toBe('source');
    expect(await run.stage()).toBe('source');
    expect(await app.ledger!.missingOn(b.source)).toEqual([]);
    const c = await compareServers(b.source, b.target);
    expect(c, c.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    // The run closes at the end of the window kept after a rollback.
    if (opts.closes !== false) await run.reach('closed', 20_000);
  }

  it('from dual_write (synced), by the named rollback approver (an approver, who may not operate)', async () => {
    const me = await b.api.call('GET', '/api/v1/auth/me', { token: b.approver });
    const run = await toSynced(setupFor({ rollback_approver: me.body.user.username }));
    expect((await run.call('POST', '/rollback', b.viewer, { reason: 'x' })).status).toBe(403);
    expect((await run.call('POST', '/rollback', b.operator, {})).body.error.issues[0].path).toBe('reason');
    await rollBack(run, b.approver);
  });

  it('from a canary step, after a pause; an approver who is not the named one may not roll back', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'canary', read_percentage: [20] } }));
    const paused = await run.call('POST', '/pause', b.operator, { reason: 'on-call handover' });
    expect(paused.body).toMatchObject({ state: 'paused', return_to: 'synced', allowed_events: ['resume', 'rollback', 'fail'] });
    expect((await run.call('POST', '/traffic', b.operator, { step: 1 })).status).toBe(409);
    expect((await run.call('POST', '/resume', b.operator)).body.state).toBe('synced');
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

  it('from completed while the rollback window is open', async () => {
    const run = await toSynced(setupFor({ rollback_window: { seconds: 60 } }));
    await run.traffic({ step: 1 });
    await app.until(2000);
    await app.stop();
    await run.accept();
    await run.complete();
    expect(await run.stage()).toBe('target_primary');
    await rollBack(run, b.operator, { closes: false, writersStopped: true });
    expect((await run.run()).rollback_window_ends_at).toEqual(expect.any(String));
    expect((await run.call('POST', '/rollback', b.operator, { reason: 'again' })).status).toBe(409);
  });

  it('from failed: a cancelled copy fails the run for good; retry is refused, rollback returns to the source', async () => {
    await fill(b.source, 20_000, 'more');
    const run = await Runbook.create(b, setupFor({ rate_limit: { keys_per_sec: 2000 } }));
    await run.toApproved();
    await run.execute();
    const jobId = (await run.run()).copy_job_id;
    expect((await b.api.call('POST', `/api/v1/copy-jobs/${jobId}/cancel`, { token: b.operator })).status).toBe(200);
    const failed = await run.reach('failed');
    expect(failed.failure).toMatchObject({ retryable: false, in_state: 'executing', reason: 'the copy job was cancelled' });
    expect(failed.allowed_events).toEqual(['rollback']);
    expect((await run.call('POST', '/retry', b.operator)).status).toBe(409);
    expect((await run.call('POST', '/cancel', b.operator, {})).status).toBe(409); // data moved: roll back instead
    expect((await run.call('POST', '/rollback', b.operator, { reason: 'start over' })).status).toBe(202);
    const done = await run.reach('rolled_back', 30_000);
    // The target holds only part of the data: the comparison says so, and the source serves again.
    expect(done.rollback).toMatchObject({ ok: false, verification: { missing: expect.any(Number) } });
    expect(done.rollback!.verification!.missing).toBeGreaterThan(0);
    expect(await run.stage()).toBe('source');
  });

  it('automatically, when divergence keeps growing while shadow reads are compared', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'shadow', sample_rate: 1 }, auto_rollback: { divergence_growth: true, window_s: 2 } }));
    await run.traffic({ step: 1 });
    await app.stop();
    // Change the target behind the interlay's back: every shadow read of these keys diverges.
    const tgt = new Redis({ host: b.target.host, port: b.target.port });
    const client = new Redis({ host: '127.0.0.1', port: b.interlayPort });
    try {
      for (let i = 0; i < 40; i++) await tgt.set(`seed:s:${i * 4}`, 'tampered');
      const end = Date.now() + 15_000;
      while ((await run.run()).state !== 'rolling_back' && (await run.run()).state !== 'rolled_back' && Date.now() < end) {
        for (let i = 0; i < 40; i++) await client.get(`seed:s:${i * 4}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    } finally {
      tgt.disconnect();
      client.disconnect();
    }
    const done = await run.reach('rolled_back', 30_000);
    expect(done.rollback).toMatchObject({ automatic: true, by: 'system', reason: expect.stringMatching(/automatic rollback: divergences grew/) });
    const events = (await run.call('GET', '/events', b.viewer)).body.events;
    expect(events.some((e: { type: string; data: { metric?: string } }) => e.type === 'monitor' && e.data.metric === 'divergence')).toBe(true);
  });

  it('automatically, when the target\'s p99 stays above the threshold while it serves', async () => {
    const run = await toSynced(setupFor({ auto_rollback: { max_p99_ms: 40, window_s: 2 } }));
    await run.traffic({ step: 1 });
    expect(await run.stage()).toBe('target_primary');
    await app.until(500);
    // Make the target slow behind the interlay's back: a busy script holds it for a few hundred ms at a time.
    const tgt = new Redis({ host: b.target.host, port: b.target.port });
    let busy = true;
    const burner = (async () => {
      while (busy) await tgt.eval('local i = 0 while i < 30000000 do i = i + 1 end return i', 0);
    })();
    try {
      await until(async () => ['rolling_back', 'rolled_back'].includes((await run.run()).state) || null, 'the monitor rolls back', 30_000);
    } finally {
      busy = false;
      await burner;
      tgt.disconnect();
    }
    await app.stop();
    const done = await run.reach('rolled_back', 60_000);
    expect(done.rollback).toMatchObject({ automatic: true, by: 'system', reason: expect.stringMatching(/automatic rollback: .*p99/) });
    expect(await run.stage()).toBe('source');
    // Nothing written while the target served is lost: it was mirrored back to the source.
    expect(await app.ledger!.missingOn(b.source)).toEqual([]);
    const events = (await run.call('GET', '/events', b.viewer)).body.events;
    expect(events.some((e: { type: string; data: { metric?: string } }) => e.type === 'monitor' && e.data.metric === 'p99_ms')).toBe(true);
  });
});
