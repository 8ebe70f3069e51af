import { describe, expect, it } from 'vitest';
import { evaluate, SampleRing, type Sample } from './monitor';

const series = (n: number, f: (i: number) => Partial<Sample>): Sample[] => Array.from({ length: n }, (_, i) => ({ at: i * 1000, ops: i * 100, errors: 0, p99_ms: 1, divergences: 0, ...f(i) }));

describe('auto-rollback monitor', () => {
  const t = { window_s: 5, divergence_growth: false };

  it('rolls back when the target error rate stays above the threshold for the whole window', () => {
    const s = series(8, (i) => ({ errors: i * 20 }));
    expect(evaluate(s, { ...t, max_target_error_rate: 0.1 }, 7000)).toMatchObject({ metric: 'target_error_rate', value: 0.2 });
    expect(evaluate(s, { ...t, max_target_error_rate: 0.3 }, 7000)).toBeNull();
  });

  it('ignores one bad interval and a window not yet watched in full', () => {
    const spike = series(8, (i) => ({ errors: i >= 6 ? 500 : 0 }));
    expect(evaluate(spike, { ...t, max_target_error_rate: 0.1 }, 7000)).toBeNull();
    const young = series(4, (i) => ({ errors: i * 50 }));
    expect(evaluate(young, { ...t, max_target_error_rate: 0.1 }, 3000)).toBeNull();
  });

  it('rolls back on a sustained p99 and on divergences that keep growing', () => {
    expect(evaluate(series(8, () => ({ p99_ms: 80 })), { ...t, max_p99_ms: 50 }, 7000)).toMatchObject({ metric: 'p99_ms', value: 80 });
    expect(evaluate(series(8, (i) => ({ p99_ms: i === 5 ? 10 : 80 })), { ...t, max_p99_ms: 50 }, 7000)).toBeNull();
    expect(evaluate(series(8, (i) => ({ divergences: i * 3 })), { ...t, divergence_growth: true }, 7000)).toMatchObject({ metric: 'divergence', value: 18 });
    expect(evaluate(series(8, (i) => ({ divergences: Math.min(i, 4) })), { ...t, divergence_growth: true }, 7000)).toBeNull();
  });

  it('keeps only the samples of the window', () => {
    const ring = new SampleRing();
    let kept: Sample[] = [];
    for (const s of series(100, () => ({}))) kept = ring.add('r', s, 5000);
    expect(kept.length).toBeLessThanOrEqual(7);
    expect(kept[kept.length - 1]!.at).toBe(99_000);
  });
});
