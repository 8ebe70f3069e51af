import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../redis/connection';
import { startRedis, type RedisServer } from '../../test/redis-server';
import { CopyRun, MemoryCopyStore, verify, type CopyProgress, type CopySpec } from './index';
import { bulk, connect, diffSnapshots, fillAllTypes, ok, quietLog, snapshot, specFor } from './test-helpers';
import { num } from './typed';

let src: RedisServer;
let tgt: RedisServer;
let tgt2: RedisServer;
const conns: RedisConnection[] = [];

async function c(server: RedisServer, db = 0): Promise<RedisConnection> {
  const x = await connect(server, db);
  conns.push(x);
  return x;
}

async function run(spec: CopySpec, store = new MemoryCopyStore()): Promise<{ p: CopyProgress; store: MemoryCopyStore }> {
  const r = new CopyRun(spec, store, { log: quietLog });
  const p = await r.run();
  return { p, store };
}

async function expectSame(db = 0, tdb = db, target = tgt): Promise<void> {
  const a = await snapshot(await c(src, db));
  const b = await snapshot(await c(target, tdb));
  expect(diffSnapshots(a, b)).toEqual([]);
}

beforeAll(async () => {
  [src, tgt, tgt2] = await Promise.all([startRedis(), startRedis(), startRedis()]);
});

afterAll(async () => {
  await Promise.all(conns.map((x) => x.close()));
  await Promise.all([src?.kill(), tgt?.kill(), tgt2?.kill()]);
});

beforeEach(async () => {
  for (const s of [src, tgt, tgt2]) s.cli('FLUSHALL');
});

describe('copy: data types', () => {
  it('copies every type, binary keys and values, the empty key and TTLs (Replace)', async () => {
    const s0 = await c(src);
    await fillAllTypes(s0);
    const { p, store } = await run(specFor(src, [tgt]));
    expect(p.state).toBe('completed');
    const n = num(await ok(s0, 'DBSIZE'));
    expect(p.scanned).toBe(n);
    expect(p.copied).toBe(n);
    expect(p.errors + p.conflicts + p.expired).toBe(0);
    expect(p.bytes).toBeGreaterThan(100_000);
    expect(store.errors()).toEqual([]);
    expect(store.checkpoint?.dbs['0'].done).toBe(true);
    expect(store.checkpoint?.dbs['0'].copied).toBe(n);
    expect(p.estimated_total).toBe(n);
    expect(p.eta_s).toBe(0);
    expect(p.per_db['0']).toMatchObject({ done: true, copied: n, target_db: 0 });
    await expectSame();
    // TTLs kept (remaining time, within tolerance).
    const t = await c(tgt);
    const ttl = num(await ok(t, 'PTTL', 'ttl'));
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
    const v = await verify(specFor(src, [tgt]), { mode: 'full' });
    expect(v).toMatchObject({ checked: n, missing: 0, type_mismatch: 0, value_mismatch: 0, ttl_mismatch: 0 });
  });

  it('copies every type through the type-based path (forced), streams with groups and pending entries', async () => {
    await fillAllTypes(await c(src));
    const { p, store } = await run(specFor(src, [tgt], { forceTypedCopy: true, chunkElements: 100 }));
    expect(store.errors()).toEqual([]);
    expect(p.errors).toBe(0);
    await expectSame();
    const t = await c(tgt);
    const pending = await ok(t, 'XPENDING', 'stream', 'g1', '-', '+', 10);
    expect((pending as unknown[]).length).toBe(2);
    const v = await verify(specFor(src, [tgt]), { mode: 'full' });
    expect(v.missing + v.type_mismatch + v.value_mismatch + v.ttl_mismatch).toBe(0);
  });

  it('copies big keys in chunks (threshold below their size) into a temp key then RENAME', async () => {
    const s0 = await c(src);
    await fillAllTypes(s0);
    const t0 = await c(tgt);
    await ok(t0, 'SET', 'bighash', 'old'); // Replace must overwrite it through RENAME
    const { p, store } = await run(specFor(src, [tgt], { bigKeyThresholdBytes: 2000, chunkElements: 250 }));
    expect(store.errors()).toEqual([]);
    expect(p.copied).toBe(num(await ok(s0, 'DBSIZE')));
    await expectSame();
    // No temporary key left behind.
    expect(String(await ok(t0, 'KEYS', '*__interlay_copy_tmp*'))).toBe('');
  });

  it('preserveTtl=false restores without expiry', async () => {
    const s0 = await c(src);
    await bulk(s0, [['SET', 'a', '1', 'EX', '1000'], ['SET', 'b', '2']]);
    await run(specFor(src, [tgt], { preserveTtl: false }));
    const t0 = await c(tgt);
    expect(await ok(t0, 'PTTL', 'a')).toBe(-1);
    expect(String(await ok(t0, 'GET', 'a'))).toBe('1');
  });

  it('counts keys expiring during the copy as expired, never as errors', async () => {
    const s0 = await c(src);
    const cmds = [];
    for (let i = 0; i < 3000; i++) cmds.push(['SET', `k${i}`, 'v', 'PX', String(1 + (i % 300))]);
    for (let i = 0; i < 500; i++) cmds.push(['SET', `keep${i}`, 'v']);
    await bulk(s0, cmds);
    const { p, store } = await run(specFor(src, [tgt], { batchSize: 50, scanCount: 50, rateLimit: { keysPerSec: 20_000 } }));
    expect(p.errors).toBe(0);
    expect(store.errors()).toEqual([]);
    expect(p.copied + p.expired).toBe(p.scanned);
    expect(p.copied).toBeGreaterThanOrEqual(500);
    const t0 = await c(tgt);
    await new Promise((r) => setTimeout(r, 350));
    // KEYS (unlike DBSIZE) skips keys whose expiry passed but were not reclaimed yet.
    expect((await ok(t0, 'KEYS', '*') as Buffer[]).length).toBe(500);
  });
});

describe('copy: databases, filters, mirrors', () => {
  it('copies every db with keys to the same index by default, or through a mapping', async () => {
    for (const db of [0, 2, 5]) {
      const x = await c(src, db);
      await bulk(x, Array.from({ length: 250 }, (_, i) => ['SET', `db${db}:k${i}`, `v${i}`]));
      await ok(x, 'HSET', `db${db}:h`, 'f', 'v');
    }
    const { p } = await run(specFor(src, [tgt]));
    expect(p.copied).toBe(753);
    expect(Object.keys(p.per_db).sort()).toEqual(['0', '2', '5']);
    expect(p.estimated_total).toBe(753);
    for (const db of [0, 2, 5]) await expectSame(db);

    tgt.cli('FLUSHALL');
    const { p: p2 } = await run(specFor(src, [tgt], { databases: { '2': 7, '5': 0 } }));
    expect(p2.copied).toBe(502);
    await expectSame(2, 7);
    await expectSame(5, 0);
    expect(num(await ok(await c(tgt, 2), 'DBSIZE'))).toBe(0);
  });

  it('filters by one MATCH pattern (server side), several (client side) and TYPE', async () => {
    const s0 = await c(src);
    await bulk(s0, [
      ...Array.from({ length: 300 }, (_, i) => ['SET', `user:${i}`, 'x']),
      ...Array.from({ length: 200 }, (_, i) => ['SET', `order:${i}`, 'x']),
      ...Array.from({ length: 100 }, (_, i) => ['HSET', `user:h${i}`, 'f', 'x']),
      ['SET', 'other', 'x'],
    ]);
    let r = await run(specFor(src, [tgt], { match: ['user:*'] }));
    expect(r.p.copied).toBe(400);
    tgt.cli('FLUSHALL');
    r = await run(specFor(src, [tgt], { match: ['user:1*', 'order:[12]?'] }));
    // user:1, user:10-19, user:100-199, user:h1* (11 + 111 ... ) computed by the server for comparison:
    const expected = new Set([
      ...String(src.cli('KEYS', 'user:1*')).trim().split('\n'),
      ...String(src.cli('KEYS', 'order:[12]?')).trim().split('\n'),
    ]);
    expect(r.p.copied).toBe(expected.size);
    tgt.cli('FLUSHALL');
    r = await run(specFor(src, [tgt], { types: ['hash'] }));
    expect(r.p.copied).toBe(100);
    tgt.cli('FLUSHALL');
    r = await run(specFor(src, [tgt], { types: ['hash', 'string'], match: ['user:*'] }));
    expect(r.p.copied).toBe(400);
    const v = await verify(specFor(src, [tgt], { types: ['hash', 'string'], match: ['user:*'] }), { mode: 'full' });
    expect(v.checked).toBe(400);
    expect(v.missing).toBe(0);
  });

  it('copies to mirror targets too', async () => {
    await fillAllTypes(await c(src));
    const { p, store } = await run(specFor(src, [tgt, tgt2]));
    expect(store.errors()).toEqual([]);
    expect(p.errors).toBe(0);
    await expectSame(0, 0, tgt);
    await expectSame(0, 0, tgt2);
  });
});

describe('copy: conflict policies', () => {
  async function seed(): Promise<void> {
    const s0 = await c(src);
    await bulk(s0, [
      ['SET', 'same', 'v'],
      ['SET', 'str', 'source'],
      ['HSET', 'h', 'a', 'src-a', 'b', 'src-b'],
      ['SADD', 's', '1', '2'],
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['RPUSH', 'l', 'x'],
      ['XADD', 'st', '1-1', 'f', 'v'],
      ['SET', 'typed', 'string-on-source'],
      ['SET', 'fresh', 'new'],
    ]);
    const t0 = await c(tgt);
    await bulk(t0, [
      ['SET', 'same', 'v'],
      ['SET', 'str', 'target'],
      ['HSET', 'h', 'a', 'tgt-a', 'c', 'tgt-c'],
      ['SADD', 's', '3'],
      ['ZADD', 'z', '5', 'a', '9', 'c'],
      ['RPUSH', 'l', 'y'],
      ['XADD', 'st', '2-1', 'f', 'w'],
      ['HSET', 'typed', 'f', 'v'],
    ]);
  }

  it('Replace overwrites every existing key', async () => {
    await seed();
    const { p } = await run(specFor(src, [tgt], { conflictPolicy: 'Replace' }));
    expect(p.copied).toBe(9);
    await expectSame();
  });

  it('None leaves existing keys, records conflicts, and treats identical keys as copied', async () => {
    await seed();
    const { p, store } = await run(specFor(src, [tgt], { conflictPolicy: 'None' }));
    expect(p.conflicts).toBe(7);
    expect(p.copied).toBe(2); // fresh + same
    const errs = store.errors();
    expect(errs.map((e) => e.key.toString()).sort()).toEqual(['h', 'l', 's', 'st', 'str', 'typed', 'z']);
    expect(errs.every((e) => e.errorClass === 'conflict' && !e.retryable && e.target === 0)).toBe(true);
    const t0 = await c(tgt);
    expect(String(await ok(t0, 'GET', 'str'))).toBe('target');
    expect(String(await ok(t0, 'GET', 'fresh'))).toBe('new');
  });

  it('Merge unions hashes, sets and zsets (source wins), conflicts on strings and types, refuses lists and streams', async () => {
    await seed();
    const { p, store } = await run(specFor(src, [tgt], { conflictPolicy: 'Merge' }));
    const byKey = Object.fromEntries(store.errors().map((e) => [e.key.toString(), e.errorClass]));
    expect(byKey).toEqual({ str: 'conflict', typed: 'conflict', l: 'merge_undefined', st: 'merge_undefined' });
    expect(p.conflicts).toBe(4);
    expect(p.copied).toBe(5);
    const t0 = await c(tgt);
    expect((await ok(t0, 'HGETALL', 'h') as Buffer[]).map(String)).toEqual(['a', 'src-a', 'c', 'tgt-c', 'b', 'src-b']);
    expect((await ok(t0, 'SMEMBERS', 's') as Buffer[]).map(String).sort()).toEqual(['1', '2', '3']);
    expect((await ok(t0, 'ZRANGE', 'z', 0, -1, 'WITHSCORES') as Buffer[]).map(String)).toEqual(['a', '1', 'b', '2', 'c', '9']);
    expect(String(await ok(t0, 'GET', 'str'))).toBe('target');
    expect((await ok(t0, 'LRANGE', 'l', 0, -1) as Buffer[]).map(String)).toEqual(['y']);
  });

  it('Merge and None also apply on the chunked big-key path', async () => {
    await seed();
    let r = await run(specFor(src, [tgt], { conflictPolicy: 'Merge', bigKeyThresholdBytes: 1 }));
    expect(Object.fromEntries(r.store.errors().map((e) => [e.key.toString(), e.errorClass]))).toEqual({
      str: 'conflict', typed: 'conflict', l: 'merge_undefined', st: 'merge_undefined',
    });
    const t0 = await c(tgt);
    expect((await ok(t0, 'SMEMBERS', 's') as Buffer[]).map(String).sort()).toEqual(['1', '2', '3']);
    tgt.cli('FLUSHALL');
    src.cli('FLUSHALL');
    await seed();
    r = await run(specFor(src, [tgt], { conflictPolicy: 'None', bigKeyThresholdBytes: 1 }));
    expect(r.p.conflicts).toBe(7);
    expect(r.p.copied).toBe(2);
  });
});

describe('copy: guarded DUMP (default big-key probe)', () => {
  /** A logger whose messages the test can read. */
  function recordingLog(): { log: pino.Logger; messages: string[] } {
    const messages: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void messages.push(JSON.parse(line).msg) });
    return { log, messages };
  }

  /** Calls of a command (`memory|usage`, `getrange`...) since the last CONFIG RESETSTAT. */
  function calls(server: RedisServer, cmd: string): number {
    const m = new RegExp(`^cmdstat_${cmd.replace('|', '\\|')}:calls=(\\d+)`, 'm').exec(server.cli('INFO', 'commandstats'));
    return m ? Number(m[1]) : 0;
  }

  it('refuses a big DUMP unread, then copies the big keys in chunks; batches queued behind it are redone, counts exact', async () => {
    const s0 = await c(src);
    const cmds: string[][] = [];
    for (let i = 0; i < 1000; i++) cmds.push(['SET', `small:${i}`, `v${i}`]);
    // Random bytes: DUMP LZF-compresses repetitive values far below the threshold.
    cmds.push(['SET', 'bigstr', randomBytes(150_000).toString('base64')]);
    cmds.push(['HSET', 'bighash', ...Array.from({ length: 3000 }, (_, i) => [`f${i}`, randomBytes(45).toString('base64')]).flat()]);
    cmds.push(['PEXPIRE', 'bighash', '600000']);
    await bulk(s0, cmds);
    src.cli('CONFIG', 'RESETSTAT');
    const { log, messages } = recordingLog();
    // Small batches, many in flight on the one DUMP connection: a trip loses their replies too.
    const spec = specFor(src, [tgt], { bigKeyThresholdBytes: 100_000, batchSize: 20, scanCount: 20, concurrency: 8 });
    const store = new MemoryCopyStore();
    const p = await new CopyRun(spec, store, { log }).run();
    expect(store.errors()).toEqual([]);
    expect(p.scanned).toBe(1002);
    expect(p.copied).toBe(1002);
    expect(store.checkpoint?.dbs['0']).toMatchObject({ done: true, scanned: 1002, copied: 1002 });
    await expectSame();
    const t0 = await c(tgt);
    expect(num(await ok(t0, 'PTTL', 'bighash'))).toBeGreaterThan(500_000);
    const trips = messages.filter((m) => /refused unread/.test(m)).length;
    expect(trips).toBeGreaterThanOrEqual(1);
    expect(trips).toBeLessThanOrEqual(2);
    // The big keys went the chunked way; only the batches hit by a trip were probed.
    expect(calls(src, 'getrange')).toBeGreaterThan(0);
    expect(calls(src, 'hscan')).toBeGreaterThan(0);
    const probes = calls(src, 'memory|usage');
    expect(probes).toBeGreaterThan(0);
    expect(probes).toBeLessThanOrEqual(2 * 8 * 20);
  });

  it('probes every batch with MEMORY USAGE once big keys turn out to be common', async () => {
    const s0 = await c(src);
    const cmds: string[][] = [];
    for (let i = 0; i < 20; i++) cmds.push(['SET', `big:${i}`, randomBytes(110_000).toString('base64')], ['SET', `small:${i}`, 'v']);
    await bulk(s0, cmds);
    const { log, messages } = recordingLog();
    const spec = specFor(src, [tgt], { bigKeyThresholdBytes: 100_000, batchSize: 2, scanCount: 2, concurrency: 1 });
    const p = await new CopyRun(spec, new MemoryCopyStore(), { log }).run();
    expect(p.copied).toBe(40);
    expect(p.errors).toBe(0);
    await expectSame();
    expect(messages.filter((m) => /refused unread/.test(m))).toHaveLength(4);
    expect(messages.filter((m) => /big keys are common/.test(m))).toHaveLength(1);
  });

  it('error keys carry the DUMP length as size', async () => {
    const s0 = await c(src);
    await bulk(s0, [['SET', 'k', 'source-value'], ['SET', 'other', 'v']]);
    await ok(await c(tgt), 'SET', 'k', 'target-value');
    const { p, store } = await run(specFor(src, [tgt], { conflictPolicy: 'None' }));
    expect(p.conflicts).toBe(1);
    const dump = (await ok(s0, 'DUMP', 'k')) as Buffer;
    expect(store.errors()).toMatchObject([{ key: Buffer.from('k'), errorClass: 'conflict', size: dump.length }]);
  });
});

describe('copy: RESP3', () => {
  it('copies and verifies over RESP3 connections, hot and type-based paths', async () => {
    await fillAllTypes(await c(src));
    for (const forceTypedCopy of [false, true]) {
      tgt.cli('FLUSHALL');
      const spec = specFor(src, [tgt], { forceTypedCopy });
      spec.source.protocol = 3;
      spec.targets[0].protocol = 3;
      const { p, store } = await run(spec);
      expect(store.errors()).toEqual([]);
      expect(p.copied).toBe(p.scanned);
      await expectSame();
      const v = await verify(spec, { mode: 'full' });
      expect(v.mismatches).toEqual([]);
    }
  });
});

describe('copy: coordination with live mirroring', () => {
  it('opens a window on every batch before its DUMPs and closes it after its RESTOREs, for every key', async () => {
    const s0 = await c(src);
    await bulk(s0, Array.from({ length: 250 }, (_, i) => ['SET', `w:${i}`, String(i)]));
    const t0 = await c(tgt);
    const open = new Map<number, string[]>();
    const closed: string[][] = [];
    let next = 0;
    const coordination = {
      beginCopy: (_db: number, keys: readonly Buffer[]) => {
        open.set(next, keys.map((k) => k.toString()));
        return next++;
      },
      endCopy: (w: unknown) => {
        closed.push(open.get(w as number)!);
        open.delete(w as number);
      },
    };
    const r = new CopyRun({ ...specFor(src, [tgt]), batchSize: 50, scanCount: 50 }, new MemoryCopyStore(), { log: quietLog, coordination });
    const p = await r.run();
    expect(p.copied).toBe(250);
    expect(open.size).toBe(0);
    const keys = closed.flat().sort();
    expect(keys).toEqual(Array.from({ length: 250 }, (_, i) => `w:${i}`).sort());
    expect(Number(await ok(t0, 'DBSIZE'))).toBe(250);
  });

  it('refuses to coordinate with a conflict policy other than Replace', () => {
    const coordination = { beginCopy: () => 0, endCopy: () => undefined };
    expect(() => new CopyRun({ ...specFor(src, [tgt]), conflictPolicy: 'None' }, new MemoryCopyStore(), { log: quietLog, coordination })).toThrow(/needs conflict policy Replace/);
  });
});
