import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttledFetch } from './interlay-live';

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
