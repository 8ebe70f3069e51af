import { describe, expect, it } from 'vitest';
import { commandTable, UNKNOWN_COMMAND } from '@/lib/commands';
import { bucketOf, bucketUpper, InterlayCounters, WindowedHistogram } from './metrics';

describe('latency histogram', () => {
  it('buckets are monotonic and each upper bound is at most ~25% above its values', () => {
    let prev = -1;
    for (let us = 0; us < 5_000_000; us = us < 100 ? us + 1 : Math.ceil(us * 1.07)) {
      const b = bucketOf(us);
      expect(b).toBeGreaterThanOrEqual(prev);
      expect(bucketUpper(b)).toBeGreaterThan(us);
      if (us >= 8) expect(bucketUpper(b)).toBeLessThanOrEqual(us * 1.25 + 1);
      prev = b;
    }
  });

  it('percentiles over the window; old slots rotate out', () => {
    const h = new WindowedHistogram(3);
    for (let i = 0; i < 99; i++) h.record(100);
    h.record(10_000);
    const [p50, p99, p100] = h.percentiles([0.5, 0.99, 1]);
    expect(p50).toBeGreaterThan(100);
    expect(p50).toBeLessThanOrEqual(125);
    expect(p99).toBeLessThanOrEqual(125);
    expect(p100).toBeGreaterThan(10_000);
    h.tick();
    h.tick();
    h.tick();
    expect(h.percentiles([0.5])).toEqual([0]);
  });
});

describe('command counters', () => {
  it('counts every command once seen, whatever order their table ids come in', () => {
    const c = new InterlayCounters();
    const byId = [commandTable.lookup('set')!, commandTable.lookup('get')!, commandTable.lookup('multi')!].sort((a, b) => b.id - a.id);
    // Highest id first: the slots below it are padded, and each must still count as new.
    for (const info of byId) c.countCommand(info);
    for (const info of byId) c.countCommand(info);
    c.countCommand(commandTable.lookup('get')!);
    c.countCommand(UNKNOWN_COMMAND);
    expect(c.ops).toBe(8);
    const top = c.topCommands();
    expect(top[0]).toEqual({ name: 'get', count: 3 });
    expect(Object.fromEntries(top.map((t) => [t.name, t.count]))).toEqual({ get: 3, set: 2, multi: 2, unknown: 1 });
    expect(c.categories()).toEqual({ read: 3, write: 2, transaction: 2, other: 1 });
  });
});
