import { describe, expect, it } from 'vitest';
import { renderPrometheus } from './prometheus';
import type { InterlayMetrics } from './schema';
import { HistoryRing, appendPoint, toHistoryPoint } from './history';

const metrics: InterlayMetrics = {
  at: 1,
  status: 'listening',
  connections: { current: 2, peak: 3, refused: 1, total: 9 },
  ops: { total: 40, per_sec: 4 },
  commands: [
    { name: 'SET', count: 10 },
    { name: 'GET', count: 30 },
  ],
  categories: { read: 30, write: 10 },
  latency_us: { proxy: { p50: 120, p99: 900 }, backend: { p50: 80, p99: 700 } },
  bytes: { in: 1000, out: 2000 },
  errors: { backend: 1 },
  backend: { connected: 1, state: 'up' },
  routing: { stage: 'dual_write', policy: 'SourceAuthoritative', canary_percent: 0, shadow_sample_rate: 0, switching: false, switches: 2 },
  upstreams: [
    { name: 'source', role: 'primary', state: 'up', connected: 1 },
    { name: 'target', role: 'secondary', state: 'reconnecting', connected: 0 },
  ],
  mirror: {
    replayed_total: 12,
    by_state_total: 3,
    links: [
      {
        name: 'target',
        ops_total: 12,
        ops_per_sec: 5,
        latency_us: { p50: 300, p99: 2000 },
        failures: 1,
        divergences: 0,
        overflows: 0,
        queue_depth: 4,
        lag_ms: 250,
        in_sync: false,
        lost_data: false,
      },
    ],
    syncs: { pending: 2, running: 0, completed: 7, failed: 1, conflicts: 3, copy_overlaps: 0 },
  },
  shadow: { sampled: 10, compared: 10, divergent: 1, divergence_rate: 0.1 },
};

describe('renderPrometheus', () => {
  it('renders families once with HELP/TYPE and labels per interlay', async () => {
    const text = await renderPrometheus([
      { id: 'a', status: 'listening', desiredState: 'started', metrics },
      { id: 'b"x', status: 'stopped', desiredState: 'stopped', metrics: null },
    ]);
    expect(text).toContain('# TYPE redis_interlay_ops_total counter\nredis_interlay_ops_total{interlay="a"} 40\n');
    expect(text).toContain('redis_interlay_commands_total{interlay="a",command="get"} 30');
    expect(text).toContain('redis_interlay_latency_seconds{interlay="a",path="backend",quantile="0.99"} 0.0007');
    expect(text).toContain('redis_interlay_status{interlay="b\\"x",status="stopped"} 1');
    expect(text).toContain('redis_interlay_up{interlay="b\\"x"} 0');
    expect(text).toContain('redis_interlay_errors_total{interlay="a",kind="backend"} 1');
    expect(text.match(/# TYPE redis_interlay_status /g)).toHaveLength(1);
    expect(text.endsWith('\n')).toBe(true);
    // Every sample line is `name{labels} value`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{.*\})? [-+0-9.eInfNa]+$/);
  });

  it('escapes label values', async () => {
    const text = await renderPrometheus([{ id: 'a\\b"c\nd', status: 'stopped', desiredState: 'stopped', metrics: null }]);
    expect(text).toContain('redis_interlay_up{interlay="a\\\\b\\"c\\nd"} 0');
  });

  it('exposes the live path: stage, policy, each backend, mirror links, syncs and shadow reads', async () => {
    const text = await renderPrometheus([{ id: 'a', status: 'listening', desiredState: 'started', metrics }]);
    expect(text).toContain('redis_interlay_stage{interlay="a",stage="dual_write"} 1');
    expect(text).toContain('redis_interlay_stage{interlay="a",stage="target_primary"} 0');
    expect(text).toContain('redis_interlay_policy_info{interlay="a",policy="SourceAuthoritative"} 1');
    expect(text).toContain('redis_interlay_backend_state{interlay="a",backend="target",role="secondary",state="reconnecting"} 1');
    expect(text).toContain('redis_interlay_mirror_lag_seconds{interlay="a",link="target"} 0.25');
    expect(text).toContain('redis_interlay_mirror_latency_seconds{interlay="a",link="target",quantile="0.99"} 0.002');
    expect(text).toContain('redis_interlay_mirror_queue_depth{interlay="a",link="target"} 4');
    expect(text).toContain('redis_interlay_mirror_in_sync{interlay="a",link="target"} 0');
    expect(text).toContain('redis_interlay_mirror_failures_total{interlay="a",link="target"} 1');
    expect(text).toContain('redis_interlay_sync_pending_keys{interlay="a"} 2');
    expect(text).toContain('redis_interlay_shadow_divergence_ratio{interlay="a"} 0.1');
  });
});

describe('history', () => {
  it('keeps the newest points in order', () => {
    const ring = new HistoryRing(3);
    for (let i = 1; i <= 5; i++) ring.push({ ...toHistoryPoint(metrics), at: i });
    expect(ring.toArray().map((p) => p.at)).toEqual([3, 4, 5]);
    const pts = appendPoint(ring.toArray(), { ...toHistoryPoint(metrics), at: 6 }, 3);
    expect(pts.map((p) => p.at)).toEqual([4, 5, 6]);
    expect(appendPoint(pts, { ...toHistoryPoint(metrics), at: 6 }, 3)).toBe(pts);
    expect(toHistoryPoint(metrics).errors).toBe(1);
  });
});
