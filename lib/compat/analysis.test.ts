import { describe, expect, it } from 'vitest';
import { analyzeKeyspace, analyzeWorkload } from './analysis';
import { endpoint, key, resources } from './test-fixtures';

describe('analysis', () => {
  it('summarises the keyspace sample: types, TTL buckets, big keys, prefixes, confidence, estimate', () => {
    const keys = [key('user:1', 'string', 100, -1), key('user:2', 'hash', 5000, 30_000), key('session:9', 'string', 50, 7_200_000), key('plain', 'zset', 10, 200_000_000)];
    const r = resources({
      source: endpoint('src', 'source', { keyspace: [{ db: 0, keys: 400, expires: 3 }] }),
      sample: { keys, totalKeys: 400, dumpMs: 10, dumpedKeys: 4, dumpedBytes: 400, largestDump: null, rdbVersion: 10 },
    });
    const a = analyzeKeyspace(r)!;
    expect(a.total_keys).toBe(400);
    expect(a.sample_size).toBe(4);
    expect(a.types[0]).toMatchObject({ type: 'string', count: 2, share_pct: 50 });
    expect(Object.fromEntries(a.ttl.map((t) => [t.bucket, t.count]))).toEqual({ none: 1, '<1m': 1, '<1h': 0, '<1d': 1, longer: 1 });
    expect(a.big_keys[0]).toMatchObject({ key: 'user:2', bytes: 5000 });
    expect(a.prefixes[0]).toMatchObject({ prefix: 'user:*', count: 2 });
    expect(a.confidence).toMatch(/sampled 4 of 400 keys .* ±\d/);
    // 4 keys in 10 ms, halved for RESTORE: 200 keys/s → 2 s for 400 keys.
    expect(a.estimate).toMatchObject({ keys_per_sec: 200, seconds: 2 });
    expect(analyzeKeyspace(r, { keys_per_sec: 100, bytes_per_sec: 1000 })!.estimate).toMatchObject({ seconds: 4, basis: expect.stringMatching(/test run/) });
  });

  it('calls out the workload commands that need care, with counts', () => {
    const r = resources({
      interlay: {
        name: 'il',
        listeners: 1,
        metrics: {
          ops: { total: 1000, per_sec: 50 },
          commands: [
            { name: 'get', count: 600 },
            { name: 'set', count: 200 },
            { name: 'multi', count: 20 },
            { name: 'exec', count: 20 },
            { name: 'watch', count: 5 },
            { name: 'evalsha', count: 30 },
            { name: 'subscribe', count: 2 },
            { name: 'blpop', count: 7 },
            { name: 'select', count: 3 },
            { name: 'client|setname', count: 4 },
          ],
          latency_us: { proxy: { p50: 20, p99: 90 }, backend: { p50: 150, p99: 900 } },
        },
      },
    });
    const w = analyzeWorkload(r)!;
    expect(w).toMatchObject({ available: true, ops_per_sec: 50, latency_us: { backend: { p99: 900 } } });
    expect(w.read_write!.reads).toBeGreaterThanOrEqual(600);
    expect(w.read_write!.writes).toBeGreaterThanOrEqual(200);
    const care = Object.fromEntries(w.needs_care!.map((g) => [g.group, g.total]));
    expect(care).toMatchObject({ transactions: 45, scripts: 30, 'pub/sub': 2, blocking: 7, SELECT: 3 });
    expect(analyzeWorkload(resources({ interlay: { name: 'il', listeners: 1, metrics: null } }))).toMatchObject({ available: false });
    expect(analyzeWorkload(resources())).toBeNull();
  });
});
