import { describe, expect, it } from 'vitest';
import { bucketOf, bucketUpper, WindowedHistogram } from './metrics';

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
