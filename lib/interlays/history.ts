/**
 * A short in-memory metrics history per running interlay, for the console's charts. Each
 * point is a compact projection of one snapshot (the full snapshot carries the command mix,
 * which charts need only once), with the live path's figures while the interlay mirrors
 * (mirror ops/s, mirror latency, failures, queue depth, lag, keys awaiting a state sync,
 * shadow divergence rate; summed or maxed over the mirror links). Browser-safe: the detail
 * page turns socket ticks into points with the same function.
 */
import type { InterlayMetrics } from './schema';

/** One sample a second for five minutes. */
export const HISTORY_INTERVAL_MS = 1_000;
export const HISTORY_POINTS = 300;

export interface HistoryPoint {
  at: number;
  ops_per_sec: number;
  connections: number;
  refused: number;
  proxy_p50_us: number;
  proxy_p99_us: number;
  backend_p50_us: number;
  backend_p99_us: number;
  bytes_in: number;
  bytes_out: number;
  errors: number;
  /** The live path's series: present only while the interlay mirrors (stage ≠ source). */
  mirror_ops_per_sec?: number;
  mirror_p50_us?: number;
  mirror_p99_us?: number;
  mirror_failures?: number;
  queue_depth?: number;
  lag_ms?: number;
  pending_syncs?: number;
  shadow_divergence_pct?: number;
}

export function toHistoryPoint(m: InterlayMetrics): HistoryPoint {
  const base: HistoryPoint = {
    at: m.at,
    ops_per_sec: m.ops.per_sec,
    connections: m.connections.current,
    refused: m.connections.refused,
    proxy_p50_us: m.latency_us.proxy.p50,
    proxy_p99_us: m.latency_us.proxy.p99,
    backend_p50_us: m.latency_us.backend.p50,
    backend_p99_us: m.latency_us.backend.p99,
    bytes_in: m.bytes.in,
    bytes_out: m.bytes.out,
    errors: Object.values(m.errors).reduce((a, b) => a + b, 0),
  };
  if (!m.routing || m.routing.stage === 'source') return base;
  let ops = 0;
  let p50 = 0;
  let p99 = 0;
  let failures = 0;
  let depth = 0;
  let lag = 0;
  for (const l of m.mirror?.links ?? []) {
    ops += l.ops_per_sec;
    p50 = Math.max(p50, l.latency_us.p50);
    p99 = Math.max(p99, l.latency_us.p99);
    failures += l.failures;
    depth += l.queue_depth;
    lag = Math.max(lag, l.lag_ms);
  }
  return {
    ...base,
    mirror_ops_per_sec: ops,
    mirror_p50_us: p50,
    mirror_p99_us: p99,
    mirror_failures: failures,
    queue_depth: depth,
    lag_ms: lag,
    pending_syncs: m.mirror.syncs.pending,
    shadow_divergence_pct: Math.round(m.shadow.divergence_rate * 10_000) / 100,
  };
}

/** Appends a point, keeping the newest `max`; returns a new array (fit for React state and caches). */
export function appendPoint(points: readonly HistoryPoint[], p: HistoryPoint, max = HISTORY_POINTS): HistoryPoint[] {
  // A tick already seen (socket and refetch overlap) replaces nothing.
  const last = points[points.length - 1];
  if (last && p.at <= last.at) return points as HistoryPoint[];
  const out = points.length >= max ? points.slice(points.length - max + 1) : points.slice();
  out.push(p);
  return out;
}

/** Fixed-size ring on the server: no allocation per tick beyond the point itself. */
export class HistoryRing {
  private readonly buf: (HistoryPoint | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity = HISTORY_POINTS) {
    this.buf = new Array(capacity);
  }

  push(p: HistoryPoint): void {
    this.buf[this.next] = p;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Oldest first. */
  toArray(): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    const start = (this.next - this.size + this.capacity) % this.capacity;
    for (let i = 0; i < this.size; i++) out.push(this.buf[(start + i) % this.capacity]!);
    return out;
  }

  get length(): number {
    return this.size;
  }
}
