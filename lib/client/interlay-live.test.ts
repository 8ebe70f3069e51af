import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttledFetch, toLivePoint, withLiveFields } from './interlay-live';
import type { InterlayMetrics } from '@/lib/interlays/schema';

describe('throttledFetch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('turns a burst of calls into one fetch now and one after the interval, never two at once', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const fn = () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      return new Promise<number>((r) => setTimeout(() => (running--, r(calls)), 300));
    };
    const first = throttledFetch('burst', fn, 1_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(1);
    // 200 invalidations while the first fetch runs: they all share the one queued after it.
    const burst = Array.from({ length: 200 }, () => throttledFetch('burst', fn, 1_000));
    expect(new Set(burst).size).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(await first).toBe(1);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(700);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(300);
    expect(await burst[0]).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('keeps keys apart and passes errors on', async () => {
    const failed = throttledFetch('a', () => Promise.reject(new Error('boom')), 1_000);
    const other = throttledFetch('b', () => Promise.resolve('b'), 1_000);
    const checked = expect(failed).rejects.toThrow('boom');
    await vi.advanceTimersByTimeAsync(0);
    await checked;
    expect(await other).toBe('b');
    // A failure does not stop the next fetch (after the interval).
    const again = throttledFetch('a', () => Promise.resolve('ok'), 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await again).toBe('ok');
  });
});

describe('toLivePoint', () => {
  const base = {
    at: 1,
    status: 'listening',
    connections: { current: 1, peak: 1, refused: 0, total: 1 },
    ops: { total: 10, per_sec: 5 },
    commands: [],
    categories: {},
    latency_us: { proxy: { p50: 1, p99: 2 }, backend: { p50: 1, p99: 2 } },
    bytes: { in: 0, out: 0 },
    errors: { mirror: 2 },
    backend: { connected: 1, state: 'up' },
    upstreams: [],
    shadow: { sampled: 10, compared: 8, divergent: 1, divergence_rate: 0.125 },
  };
  const link = (name: string, ops: number, p99: number, lag: number) => ({
    name,
    ops_total: ops,
    ops_per_sec: ops,
    latency_us: { p50: p99 / 2, p99 },
    failures: 1,
    divergences: 0,
    overflows: 0,
    queue_depth: 3,
    lag_ms: lag,
    in_sync: true,
    lost_data: false,
  });

  it('sums rates and queues over the links, keeps the slowest latency and lag, and adds syncs and shadow', () => {
    const m = {
      ...base,
      routing: { stage: 'dual_write', policy: 'SourceAuthoritative', canary_percent: 5, shadow_sample_rate: 0.1, switching: false, switches: 0 },
      mirror: { replayed_total: 0, by_state_total: 0, links: [link('target', 100, 800, 4), link('dr', 50, 2_000, 9)], syncs: { pending: 7, running: 0, completed: 0, failed: 0, conflicts: 0, copy_overlaps: 0 } },
    } as unknown as InterlayMetrics;
    expect(toLivePoint(m)).toMatchObject({ ops_per_sec: 5, errors: 2, mirror_ops_per_sec: 150, mirror_p50_us: 1_000, mirror_p99_us: 2_000, mirror_failures: 2, queue_depth: 6, lag_ms: 9, pending_syncs: 7, shadow_divergence_pct: 12.5 });
  });

  it('has no live-path series in stage source', () => {
    const m = { ...base, routing: { stage: 'source' }, mirror: { links: [], syncs: { pending: 0 } } } as unknown as InterlayMetrics;
    expect(toLivePoint(m)).not.toHaveProperty('mirror_ops_per_sec');
  });
});

describe('withLiveFields', () => {
  it("keeps the page's live-path fields on the server's points of the same instant", () => {
    const p = (at: number, extra: object = {}) => ({ at, ops_per_sec: at, connections: 0, refused: 0, proxy_p50_us: 0, proxy_p99_us: 0, backend_p50_us: 0, backend_p99_us: 0, bytes_in: 0, bytes_out: 0, errors: 0, ...extra });
    const cached = [p(1, { ops_per_sec: 0, mirror_ops_per_sec: 10, lag_ms: 3 }), p(2)];
    const merged = withLiveFields([p(1), p(2), p(3)], cached);
    expect(merged[0]).toMatchObject({ ops_per_sec: 1, mirror_ops_per_sec: 10, lag_ms: 3 });
    expect(merged[1]).not.toHaveProperty('mirror_ops_per_sec');
    expect(merged.map((x) => x.at)).toEqual([1, 2, 3]);
  });
});
