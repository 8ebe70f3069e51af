/**
 * Live mirroring through an interlay (real redis-servers): writes reach the target under
 * each stage, non-deterministic writes arrive by state, and the sides compare equal once
 * mirroring has drained.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CopyRun } from '@/lib/copy';
import { MemoryCopyStore } from '@/lib/copy/memory-store';
import { withDefaults } from '@/lib/copy/types';
import { compareServers } from '@/test/compare';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import type { RoutingSpec } from './routing';
import { RandomWriter } from '@/test/random-writer';
import { backendFor, FramedClient, quietLog, startInterlay } from './test-helpers';

let source: RedisServer;
let target: RedisServer;
let interlay: Interlay;
const clients: FramedClient[] = [];

function client(): FramedClient {
  const c = new FramedClient(interlay.port);
  clients.push(c);
  return c;
}

function routing(patch: Partial<RoutingSpec>): RoutingSpec {
  return { stage: 'dual_write', policy: 'SourceAuthoritative', target: backendFor(target), mirrors: [], canaryPercent: 0, shadowSampleRate: 0, ...patch };
}

beforeAll(async () => {
  [source, target] = await Promise.all([startRedis(), startRedis()]);
  interlay = await startInterlay(backendFor(source));
  await interlay.waitForBackend();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await interlay.stop({ drainTimeoutMs: 200 });
  await Promise.all([source.stop(), target.stop()]);
});

describe('dual_write', () => {
  it('replays deterministic writes and syncs the others by state', async () => {
    await interlay.setRouting(routing({}));
    const c = client();
    await c.send(
      ['SET', 'm:a', '1'],
      ['INCR', 'm:a'],
      ['HSET', 'm:h', 'f', 'v', 'g', 'w'],
      ['LPUSH', 'm:l', 'x', 'y', 'z'],
      ['SADD', 'm:s', 'a', 'b', 'c', 'd'],
      ['SPOP', 'm:s'],
      ['INCRBYFLOAT', 'm:f', '1.5'],
      ['XADD', 'm:x', '*', 'k', 'v'],
      ['EXPIRE', 'm:a', '1000'],
      ['EVAL', "redis.call('SET', KEYS[1], 'scripted'); return 1", '1', 'm:e'],
    );
    for (let i = 0; i < 10; i++) expect((await c.reply()).toString()).not.toMatch(/^-/);
    await c.send(['MULTI'], ['SET', 'm:t1', 'a'], ['RPUSH', 'm:t2', 'b'], ['EXEC']);
    for (let i = 0; i < 4; i++) await c.reply();
    await interlay.waitMirrorDrained();
    const cmp = await compareServers(source, target);
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(cmp.keys).toBe(9);
  });
});

describe('differences a repair settles', () => {
  it('writes on keys the target does not hold yet reply differently there, are synced by state, and leave no error key behind', async () => {
    source.cli('FLUSHALL');
    target.cli('FLUSHALL');
    // Keys the copy has not reached yet: only the source holds them.
    for (let i = 0; i < 20; i++) source.cli('SET', `nc:${i}`, '5');
    await interlay.setRouting(routing({}));
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    interlay.on('mirror-error', onError);
    const divergences = () => interlay.metrics().mirror.links.find((l) => l.name === 'target')?.divergences ?? 0;
    const before = divergences();
    try {
      const c = client();
      for (let i = 0; i < 20; i++) expect(await c.call('INCR', `nc:${i}`)).toBe(':6\r\n');
      await interlay.waitMirrorDrained();
    } finally {
      interlay.off('mirror-error', onError);
    }
    // The target answered 1 to each INCR: 20 differences, each repaired by a state sync.
    expect(divergences() - before).toBe(20);
    const cmp = await compareServers(source, target);
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    // Nothing failed: differences the policy repairs are counted, not recorded as error keys.
    expect(errors).toEqual([]);
  });
});

describe('clients speaking RESP3', () => {
  it('a RESP3 client\'s writes are not divergences of the RESP2 mirror link (doubles, nulls, nested pairs)', async () => {
    await interlay.setRouting(routing({}));
    const { Redis } = await import('ioredis');
    const io = new Redis({ host: '127.0.0.1', port: interlay.port, protocol: 3 });
    try {
      const before = interlay.metrics().mirror.links.find((l) => l.name === 'target')?.divergences ?? 0;
      for (let i = 0; i < 50; i++) {
        await io.zincrby('r3:z', '0.5', `m${i % 3}`);
        await io.zadd('r3:z', 'INCR', '1.25', 'm0');
        await io.hset('r3:h', `f${i}`, 'v');
        await io.getdel(`r3:none:${i}`);
      }
      await io.zadd('r3:p', 1, 'a', 2, 'b', 3, 'c');
      await io.call('ZPOPMIN', 'r3:p', '2');
      await interlay.waitMirrorDrained();
      const after = interlay.metrics().mirror.links.find((l) => l.name === 'target')?.divergences ?? 0;
      expect(after - before).toBe(0);
      const cmp = await compareServers(source, target);
      expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    } finally {
      io.disconnect();
    }
  });
});

describe('random writer across stages', () => {
  it('dual_write → shadow → canary → target_primary → dual_write (rollback) with a writer running: no failure, the sides identical', async () => {
    await target.cli('FLUSHALL');
    await source.cli('FLUSHALL');
    await interlay.setRouting(routing({ stage: 'source' }));
    await interlay.setRouting(routing({ stage: 'dual_write' }));
    const writer = new RandomWriter({ port: interlay.port, clients: 6, keysPerFamily: 500, seed: 7 }).start();
    try {
      await writer.until(20_000);
      await interlay.setRouting(routing({ stage: 'shadow', shadowSampleRate: 0.2 }));
      await writer.until(30_000);
      await interlay.setRouting(routing({ stage: 'canary', canaryPercent: 50 }));
      await writer.until(40_000);
      await interlay.setRouting(routing({ stage: 'target_primary' }));
      await writer.until(60_000);
      // Rollback: the source serves again; what was written while the target served is there.
      await interlay.setRouting(routing({ stage: 'dual_write' }));
      await writer.until(75_000);
    } finally {
      await writer.stop();
    }
    expect(writer.stats.failures).toEqual([]);
    await interlay.waitMirrorDrained();
    // Passthrough again (writes stopped first: in stage source nothing is mirrored any more).
    await interlay.setRouting(routing({ stage: 'source' }));
    const cmp = await compareServers(source, target);
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(cmp.keys).toBeGreaterThan(1000);
  });
});

describe('barriers', () => {
  it('FLUSHDB while writers run in dual_write runs alone: the sides are identical afterwards', async () => {
    await target.cli('FLUSHALL');
    await source.cli('FLUSHALL');
    interlay.updateSettings({ command_allowlist: ['@destructive'] });
    await interlay.setRouting(routing({ stage: 'dual_write' }));
    const writer = new RandomWriter({ port: interlay.port, clients: 4, keysPerFamily: 200, seed: 21 }).start();
    const c = client();
    try {
      for (let i = 0; i < 5; i++) {
        await writer.until(2_000 * (i + 1));
        expect(await c.call('FLUSHDB')).toBe('+OK\r\n');
      }
      await writer.until(12_000);
    } finally {
      await writer.stop();
      interlay.updateSettings({ command_allowlist: [] });
    }
    expect(writer.stats.failures).toEqual([]);
    await interlay.waitMirrorDrained();
    const cmp = await compareServers(source, target);
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(cmp.keys).toBeGreaterThan(100);
  });
});

describe('zero lost writes while the bulk copy runs', () => {
  it('a random writer during the whole copy of a pre-filled source in dual_write: nothing missing or different afterwards', async () => {
    await target.cli('FLUSHALL');
    await source.cli('FLUSHALL');
    await interlay.setRouting(routing({ stage: 'source' }));
    // Pre-fill: 60,000 keys of every family the writer uses (so it rewrites keys the copier
    // has not reached yet, is copying, or has copied).
    const KEYS = 5000;
    const fill = new FramedClient(source.port);
    const families: ((i: number) => (string | number)[])[] = [
      (i) => ['SET', `str:${i}`, `v${i}`],
      (i) => ['SET', `cnt:${i}`, i],
      (i) => ['SET', `flt:${i}`, '1.5'],
      (i) => ['HSET', `hash:${i}`, 'f1', 'a', 'f2', 'b', 'f3', 'c'],
      (i) => ['RPUSH', `list:${i}`, 'a', 'b', 'c', 'd'],
      (i) => ['SADD', `set:${i}`, '1', '2', '3', '4', '5'],
      (i) => ['ZADD', `zset:${i}`, 1, 'm1', 2, 'm2'],
      (i) => ['XADD', `stream:${i}`, '1-1', 'v', 'x'],
      (i) => ['SET', `str:${KEYS + i}`, 'expiring', 'EX', 3000],
      (i) => ['HSET', `hash:${KEYS + i}`, 'f', i],
      (i) => ['SET', `cnt:${KEYS + i}`, i],
      (i) => ['SADD', `set:${KEYS + i}`, 'x'],
    ];
    for (const cmd of families) {
      for (let i = 0; i < KEYS; i += 500) {
        await fill.send(...Array.from({ length: 500 }, (_, k) => cmd(i + k)));
        for (let k = 0; k < 500; k++) await fill.reply();
      }
    }
    fill.close();
    expect(Number(source.cli('DBSIZE').trim())).toBe(60_000);

    // Mirroring first, then the copy (every write after the copy starts is mirrored or in a dump).
    await interlay.setRouting(routing({ stage: 'dual_write' }));
    const writer = new RandomWriter({ port: interlay.port, clients: 6, keysPerFamily: KEYS * 2, seed: 11 }).start();
    try {
      await writer.until(5_000);
      const run = new CopyRun(
        withDefaults({ source: backendFor(source), targets: [backendFor(target)], conflictPolicy: 'Replace', batchSize: 500, scanCount: 500, concurrency: 4 }),
        new MemoryCopyStore(),
        { log: quietLog, coordination: interlay.copyCoordinator() },
      );
      const copied = await run.run();
      expect(copied.errors).toBe(0);
      // The writer ran through the whole copy; at least 100,000 operations in all.
      await writer.until(100_000, 300_000);
    } finally {
      await writer.stop();
    }
    expect(writer.stats.failures).toEqual([]);
    expect(writer.stats.ops).toBeGreaterThanOrEqual(100_000);
    await interlay.waitMirrorDrained(60_000);
    const m = interlay.metrics().mirror;
    const cmp = await compareServers(source, target);
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(cmp.keys).toBeGreaterThan(50_000);
    // The coordination did work: keys written during their copy window were synced by state.
    expect(m.syncs.copy_overlaps).toBeGreaterThan(0);
  }, 600_000);
});

describe('several mirror targets', () => {
  it('each gets every write; one that dies neither stalls clients nor the others, and is marked for a new copy', async () => {
    const [m1, m2] = await Promise.all([startRedis(), startRedis()]);
    try {
      await target.cli('FLUSHALL');
      await source.cli('FLUSHALL');
      await interlay.setRouting(routing({ stage: 'dual_write', mirrors: [{ name: 'm1', target: backendFor(m1) }, { name: 'm2', target: backendFor(m2, { commandTimeoutMs: 2000 }) }] }));
      const writer = new RandomWriter({ port: interlay.port, clients: 4, keysPerFamily: 300, seed: 31 }).start();
      try {
        await writer.until(8_000);
        await m2.kill();
        await writer.until(16_000);
        await m2.restart();
        await writer.until(24_000);
      } finally {
        await writer.stop();
      }
      expect(writer.stats.failures).toEqual([]);
      await interlay.waitMirrorDrained(60_000);
      const links = Object.fromEntries(interlay.metrics().mirror.links.map((l) => [l.name, l]));
      expect(links.m2.lost_data).toBe(true);
      expect(links.m1.in_sync && links.target.in_sync).toBe(true);
      for (const other of [target, m1]) {
        const cmp = await compareServers(source, other);
        expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
      }
      // m2 came back empty: a copy refills it, and the link is trusted again.
      const run = new CopyRun(withDefaults({ source: backendFor(source), targets: [backendFor(m2)], conflictPolicy: 'Replace' }), new MemoryCopyStore(), { log: quietLog });
      await run.run();
      interlay.markResynced('m2');
      const cmp2 = await compareServers(source, m2);
      expect(cmp2, cmp2.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
      expect(interlay.metrics().mirror.links.find((l) => l.name === 'm2')?.in_sync).toBe(true);
    } finally {
      await interlay.setRouting(routing({ stage: 'source', mirrors: [] }));
      await Promise.all([m1.stop(), m2.stop()]);
    }
  });
});
