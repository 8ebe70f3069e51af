/**
 * An app-like writer for the migration specs: one connection through the interlay runs a
 * loop of SET / INCR / HSET and remembers every write the interlay acknowledged, so a spec
 * can ask afterwards whether each of them is on a given server (nothing lost on rollback).
 *
 * Unlike test/random-writer.ts (heavy key overlap, every command kind), each write here is
 * checkable on its own: SET keys are unique, an INCR counter must be at least the number
 * of acknowledged increments (a reply lost in flight may still have been applied), and each
 * HSET field is unique.
 */
import { Redis } from 'ioredis';

const COUNTERS = 8;

export interface WriterReport {
  acknowledged: number;
  failures: string[];
}

export class AckWriter {
  private readonly client: Redis;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private seq = 0;
  /** SET key → value, for every acknowledged SET. */
  readonly strings = new Map<string, string>();
  /** Counter key → acknowledged INCRs. */
  readonly counters = new Map<string, number>();
  /** HSET field → value of the one hash. */
  readonly fields = new Map<string, string>();
  readonly failures: string[] = [];

  constructor(
    port: number,
    private readonly prefix: string,
    /** Pause between rounds; keeps the writer app-like (a few hundred writes a second at most). */
    private readonly pauseMs = 5,
  ) {
    this.client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, enableOfflineQueue: true, retryStrategy: (t) => Math.min(t * 20, 200) });
    this.client.on('error', () => undefined);
  }

  get acknowledged(): number {
    let n = this.strings.size + this.fields.size;
    for (const c of this.counters.values()) n += c;
    return n;
  }

  get hashKey(): string {
    return `${this.prefix}:hash`;
  }

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<WriterReport> {
    this.stopped = true;
    await this.loop;
    this.client.disconnect();
    return { acknowledged: this.acknowledged, failures: this.failures };
  }

  /** Resolves once `n` more writes than now were acknowledged. */
  async advance(n: number, timeoutMs = 30_000): Promise<void> {
    const goal = this.acknowledged + n;
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged < goal) {
      if (Date.now() > deadline) throw new Error(`writer reached ${this.acknowledged} of ${goal} acknowledged writes (failures: ${this.failures.slice(0, 3).join(' | ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The acknowledged writes missing on the server at `port` (empty = nothing lost). */
  async missingOn(host: string, port: number): Promise<string[]> {
    const r = new Redis({ host, port, maxRetriesPerRequest: 1 });
    try {
      const missing: string[] = [];
      const keys = [...this.strings.keys()];
      const values = keys.length ? await r.mget(keys) : [];
      keys.forEach((k, i) => {
        if (values[i] !== this.strings.get(k)) missing.push(`${k}=${this.strings.get(k)} (found ${values[i]})`);
      });
      for (const [k, n] of this.counters) {
        const v = Number(await r.get(k));
        if (!(v >= n)) missing.push(`${k} >= ${n} (found ${v})`);
      }
      const hash = await r.hgetall(this.hashKey);
      for (const [f, v] of this.fields) if (hash[f] !== v) missing.push(`${this.hashKey}.${f}=${v} (found ${hash[f]})`);
      return missing;
    } finally {
      r.disconnect();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const n = ++this.seq;
      const key = `${this.prefix}:str:${n}`;
      const counter = `${this.prefix}:cnt:${n % COUNTERS}`;
      const field = `f${n}`;
      const value = `v${n}`;
      try {
        const [set, incr, hset] = (await this.client.pipeline().set(key, value).incr(counter).hset(this.hashKey, field, value).exec()) ?? [];
        if (set && !set[0]) this.strings.set(key, value);
        else if (set?.[0]) this.failures.push(`SET ${key}: ${set[0].message}`);
        if (incr && !incr[0]) this.counters.set(counter, (this.counters.get(counter) ?? 0) + 1);
        else if (incr?.[0]) this.failures.push(`INCR ${counter}: ${incr[0].message}`);
        if (hset && !hset[0]) this.fields.set(field, value);
        else if (hset?.[0]) this.failures.push(`HSET ${field}: ${hset[0].message}`);
      } catch (e) {
        this.failures.push((e as Error).message);
      }
      if (this.pauseMs) await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }
}
