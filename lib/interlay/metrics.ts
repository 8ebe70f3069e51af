/**
 * Cheap counters and windowed histograms for the interlay. Everything on the hot path is
 * an integer increment or one typed-array slot; snapshots do the sorting and summing.
 */
import { setById, type CommandInfo } from '@/lib/commands';
import type { ErrorKind } from './types';

/** Buckets: exact below 8 µs, then 4 per power of two (≤ 19% wide) up to 2^32 µs. */
const BUCKETS = 128;

export function bucketOf(us: number): number {
  if (!(us > 0)) return 0;
  const v = us >= 4294967295 ? 4294967295 : us >>> 0;
  if (v < 8) return v;
  const msb = 31 - Math.clz32(v);
  return 8 + (msb - 3) * 4 + ((v >>> (msb - 2)) & 3);
}

/** Smallest value that falls in the bucket after `b` (so the reported value is an upper bound). */
export function bucketUpper(b: number): number {
  if (b < 8) return b + 1;
  const msb = ((b - 8) >> 2) + 3;
  const sub = (b - 8) & 3;
  return (4 + sub + 1) * 2 ** (msb - 2);
}

/**
 * A histogram over the last `slots` seconds: one row of counters per second, rotated by
 * `tick()`. No per-sample allocation; memory is fixed (slots × 128 × 4 bytes).
 */
export class WindowedHistogram {
  private readonly counts: Uint32Array;
  private cur = 0;

  constructor(private readonly slots = 10) {
    this.counts = new Uint32Array(slots * BUCKETS);
  }

  record(us: number): void {
    this.counts[this.cur * BUCKETS + bucketOf(us)]++;
  }

  tick(): void {
    this.cur = (this.cur + 1) % this.slots;
    this.counts.fill(0, this.cur * BUCKETS, (this.cur + 1) * BUCKETS);
  }

  /** Percentiles (0..1) over the whole window; 0 when empty. */
  percentiles(ps: number[]): number[] {
    const sum = new Float64Array(BUCKETS);
    let total = 0;
    for (let s = 0; s < this.slots; s++) {
      for (let b = 0; b < BUCKETS; b++) {
        const n = this.counts[s * BUCKETS + b];
        sum[b] += n;
        total += n;
      }
    }
    return ps.map((p) => {
      if (total === 0) return 0;
      const want = Math.max(1, Math.ceil(p * total));
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        seen += sum[b];
        if (seen >= want) return bucketUpper(b);
      }
      return bucketUpper(BUCKETS - 1);
    });
  }
}

export class InterlayCounters {
  connCurrent = 0;
  connPeak = 0;
  connRefused = 0;
  connTotal = 0;
  ops = 0;
  bytesIn = 0;
  bytesOut = 0;
  readonly errors: Record<ErrorKind, number> = {
    backend_down: 0,
    protocol: 0,
    auth: 0,
    max_clients: 0,
    timeout: 0,
    backend_error_reply: 0,
    unknown_command: 0,
    rejected: 0,
    mirror: 0,
  };
  readonly proxyLatency = new WindowedHistogram();
  readonly backendLatency = new WindowedHistogram();
  /** Calls per CommandInfo.id (an array slot per command, no Map, no string building), and the infos seen. */
  private readonly counts: number[] = [];
  private readonly seen: CommandInfo[] = [];
  private opsAtTick = 0;
  private tickAt = 0;
  perSec = 0;

  countCommand(info: CommandInfo): void {
    this.ops++;
    const id = info.id;
    const n = this.counts[id];
    if (n > 0) {
      this.counts[id] = n + 1;
      return;
    }
    // First call of this command (its slot is missing, or a 0 from padding).
    setById(this.counts, id, 1, 0);
    this.seen.push(info);
  }

  /** Called about once a second: rotates the latency windows and the ops rate. */
  tick(now: number): void {
    if (this.tickAt !== 0) {
      const dt = (now - this.tickAt) / 1000;
      if (dt > 0) this.perSec = Math.round((this.ops - this.opsAtTick) / dt);
    }
    this.opsAtTick = this.ops;
    this.tickAt = now;
    this.proxyLatency.tick();
    this.backendLatency.tick();
  }

  topCommands(n = 20): { name: string; count: number }[] {
    const merged = new Map<string, number>();
    for (const info of this.seen) merged.set(info.name, (merged.get(info.name) ?? 0) + this.counts[info.id]);
    return [...merged].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count).slice(0, n);
  }

  categories(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const info of this.seen) out[info.category] = (out[info.category] ?? 0) + this.counts[info.id];
    return out;
  }
}
