import { describe, expect, it } from 'vitest';
import { toHistoryPoint } from './history';
import type { InterlayMetrics } from './schema';

describe('toHistoryPoint', () => {
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
    expect(toHistoryPoint(m)).toMatchObject({ ops_per_sec: 5, errors: 2, mirror_ops_per_sec: 150, mirror_p50_us: 1_000, mirror_p99_us: 2_000, mirror_failures: 2, queue_depth: 6, lag_ms: 9, pending_syncs: 7, shadow_divergence_pct: 12.5 });
  });

  it('has no live-path series in stage source', () => {
    const m = { ...base, routing: { stage: 'source' }, mirror: { links: [], syncs: { pending: 0 } } } as unknown as InterlayMetrics;
    expect(toHistoryPoint(m)).not.toHaveProperty('mirror_ops_per_sec');
  });
});
