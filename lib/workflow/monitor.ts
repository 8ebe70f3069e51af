/**
 * The automatic rollback monitor: while target traffic is on (canary, target_primary,
 * and completed within the window; shadow for divergence), it samples the interlay once a
 * host tick and rolls back with a reason when, over the whole configured window,
 * - the target error rate stayed above `max_target_error_rate` (errors: backend down,
 *   timeouts and mirror failures, per command served),
 * - the backend p99 stayed above `max_p99_ms`, or
 * - divergences (shadow reads and mirror compare) grew between every two samples.
 * "For the window" means every interval of it, not its average: one slow second does not
 * roll a migration back. `evaluate` is pure; the samples live in memory and start again
 * after a restart (the window is watched anew).
 */
import type { InterlayMetrics } from '../interlay/types';
import type { MigrationEventData, MigrationSetup } from './schema';

export interface Sample {
  at: number;
  ops: number;
  errors: number;
  p99_ms: number;
  divergences: number;
}

export type Thresholds = NonNullable<MigrationSetup['auto_rollback']>;
export type Breach = MigrationEventData['monitor'];

export function sampleOf(m: InterlayMetrics, at = Date.now()): Sample {
  const e = m.errors as Record<string, number>;
  return {
    at,
    ops: m.ops.total,
    errors: (e.backend_down ?? 0) + (e.timeout ?? 0) + (e.mirror ?? 0),
    p99_ms: m.latency_us.backend.p99 / 1000,
    divergences: m.shadow.divergent + m.mirror.links.reduce((n, l) => n + l.divergences, 0),
  };
}

/** The samples of the last window (and the one just before it, as the first interval's start). */
export function windowOf(samples: readonly Sample[], windowMs: number, now: number): Sample[] | null {
  const start = now - windowMs;
  const i = samples.findIndex((s) => s.at >= start);
  // Not watched for a whole window yet.
  if (i <= 0) return null;
  return samples.slice(i - 1);
}

export function evaluate(samples: readonly Sample[], t: Thresholds, now: number): Breach | null {
  const w = windowOf(samples, t.window_s * 1000, now);
  if (!w || w.length < 3) return null;
  const pairs = w.slice(1).map((s, i) => [w[i]!, s] as const);
  if (t.max_target_error_rate !== undefined) {
    const rates = pairs.map(([a, b]) => (b.ops > a.ops ? (b.errors - a.errors) / (b.ops - a.ops) : b.errors > a.errors ? 1 : 0));
    if (rates.every((r) => r > t.max_target_error_rate!)) {
      const first = w[0]!;
      const last = w[w.length - 1]!;
      const value = last.ops > first.ops ? (last.errors - first.errors) / (last.ops - first.ops) : 1;
      return { metric: 'target_error_rate', value, threshold: t.max_target_error_rate, detail: `target error rate ${(value * 100).toFixed(1)}% above ${(t.max_target_error_rate * 100).toFixed(1)}% for ${t.window_s} s` };
    }
  }
  if (t.max_p99_ms !== undefined && w.slice(1).every((s) => s.p99_ms > t.max_p99_ms!)) {
    const value = Math.min(...w.slice(1).map((s) => s.p99_ms));
    return { metric: 'p99_ms', value, threshold: t.max_p99_ms, detail: `target p99 at least ${value.toFixed(1)} ms, above ${t.max_p99_ms} ms, for ${t.window_s} s` };
  }
  if (t.divergence_growth && pairs.every(([a, b]) => b.divergences > a.divergences)) {
    const value = w[w.length - 1]!.divergences - w[0]!.divergences;
    return { metric: 'divergence', value, threshold: 0, detail: `divergences grew by ${value} over ${t.window_s} s, in every interval` };
  }
  return null;
}

/** Samples per run, bounded to the window (plus one). */
export class SampleRing {
  private readonly runs = new Map<string, Sample[]>();

  add(id: string, s: Sample, windowMs: number): Sample[] {
    const list = this.runs.get(id) ?? [];
    list.push(s);
    const start = s.at - windowMs;
    while (list.length > 2 && list[1]!.at < start) list.shift();
    this.runs.set(id, list);
    return list;
  }

  clear(id: string): void {
    this.runs.delete(id);
  }
}
