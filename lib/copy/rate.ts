/**
 * Rate limiting and throughput measurement.
 *
 * TokenBucket lets a caller take a whole batch at once and go into debt, then sleeps
 * until the debt is paid: the average rate holds without splitting batches. Rates can
 * change while a run waits (setRate), and a waiting caller wakes at least every 100 ms to
 * notice a change or a cancel.
 */
export class TokenBucket {
  /** Starts empty: a limited run begins at its rate, not with a one-second burst. */
  private tokens = 0;
  private last = performance.now();

  constructor(private rate: number | undefined) {}

  setRate(rate: number | undefined): void {
    this.refill();
    this.rate = rate && rate > 0 ? rate : undefined;
    if (this.rate !== undefined) this.tokens = Math.min(this.tokens, this.rate);
  }

  private refill(): void {
    const now = performance.now();
    if (this.rate !== undefined) {
      // Burst capacity: one second of the rate.
      this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    }
    this.last = now;
  }

  /** Takes n tokens; resolves once the bucket is out of debt (or immediately without a limit). */
  async take(n: number, stopped: () => boolean): Promise<void> {
    this.refill();
    if (this.rate === undefined) return;
    this.tokens -= n;
    while (this.tokens < 0 && this.rate !== undefined && !stopped()) {
      const waitMs = Math.min(100, Math.ceil((-this.tokens / this.rate) * 1000));
      await new Promise((r) => setTimeout(r, Math.max(1, waitMs)));
      this.refill();
    }
    if (this.rate === undefined) this.tokens = 0;
  }
}

/** Keys/s and bytes/s over a moving window of about `windowMs`. */
export class RateMeter {
  private samples: Array<{ t: number; keys: number; bytes: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  add(keys: number, bytes: number): void {
    const t = performance.now();
    const last = this.samples[this.samples.length - 1];
    // Coalesce samples within 100 ms so the window stays small whatever the batch rate.
    if (last && t - last.t < 100) {
      last.keys += keys;
      last.bytes += bytes;
    } else {
      this.samples.push({ t, keys, bytes });
    }
    this.trim(t);
  }

  private trim(now: number): void {
    while (this.samples.length > 0 && now - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  rates(): { keysPerSec: number; bytesPerSec: number } {
    const now = performance.now();
    this.trim(now);
    if (this.samples.length === 0) return { keysPerSec: 0, bytesPerSec: 0 };
    let keys = 0;
    let bytes = 0;
    for (const s of this.samples) {
      keys += s.keys;
      bytes += s.bytes;
    }
    // Span: from the start of the window (or of the run, when shorter) to now; at least 1 s
    // so the first batch does not report an absurd rate.
    const span = Math.max(1000, Math.min(this.windowMs, now - this.samples[0].t + 100));
    return { keysPerSec: (keys * 1000) / span, bytesPerSec: (bytes * 1000) / span };
  }
}
