import { describe, expect, it } from 'vitest';
import { escapeLabel, renderPrometheus } from './prometheus';
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
};

describe('renderPrometheus', () => {
  it('renders families once with HELP/TYPE and labels per interlay', () => {
    const text = renderPrometheus([
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

  it('escapes label values', () => {
    expect(escapeLabel('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
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
