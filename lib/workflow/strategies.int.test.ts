/**
 * The runbook end to end through the API, per strategy, against real redis-servers with an
 * app-like random writer going through the interlay: prepare, review, approve, execute
 * (bulk copy + live mirroring), traffic steps, acceptance, completion, the rollback window
 * closing. At the end source and target hold the same data (test/compare.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareServers } from '@/test/compare';
import { RandomWriter } from '@/test/random-writer';
import { startRedis, type RedisServer } from '@/test/redis-server';
import { fill, Runbook, setupFor, startBench, until, type Bench } from './test-support';

describe('migration strategies end to end', () => {
  let source: RedisServer;
  let target: RedisServer;
  let b: Bench | undefined;
  let writer: RandomWriter | undefined;

  beforeAll(async () => {
    [source, target] = await Promise.all([startRedis(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  });
  afterEach(async () => {
    await writer?.stop();
    writer = undefined;
    await b?.api.close();
    b = undefined;
  });

  async function bench(): Promise<Bench> {
    source.cli('FLUSHALL');
    target.cli('FLUSHALL');
    await fill(source, 3000);
    b = await startBench('embedded', { servers: { source, target } });
    return b;
  }

  async function expectIdentical(): Promise<void> {
    const c = await compareServers(source, target);
    expect(c, c.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(c.keys).toBeGreaterThan(3000);
  }

  it('big_bang: from draft to closed with a writer running, source and target identical', async () => {
    const b = await bench();
    const run = await Runbook.create(b, setupFor());
    await run.toApproved();
    writer = new RandomWriter({ port: b.interlayPort, keysPerFamily: 500, clients: 3 }).start();
    await run.execute();
    expect(await run.stage()).toBe('dual_write');
    await run.reach('synced', 60_000);
    await writer.until(2000);
    const moved = await run.traffic({ step: 1 });
    expect(moved).toMatchObject({ state: 'shifting', traffic: { current_step: 1, stage: 'target_primary' } });
    await writer.until(4000);
    const stats = await writer.stop();
    writer = undefined;
    expect(stats.failures).toEqual([]);
    await run.accept();
    const done = await run.complete();
    expect(done.state).toBe('completed');
    expect(done.rollback_window_ends_at).toEqual(expect.any(String));
    expect(await run.stage()).toBe('target_primary');
    await run.reach('closed', 20_000);
    expect(await run.stage()).toBe('target');
    await expectIdentical();
    const history = (await run.call('GET', '/transitions', b.viewer)).body.transitions.map((t: { to: string }) => t.to);
    expect(history).toEqual(['setup_submitted', 'preparing', 'awaiting_review', 'approved', 'executing', 'synced', 'shifting', 'accepting', 'completed', 'closed']);
  });
});
