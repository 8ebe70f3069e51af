/**
 * An app-like random writer for live-migration tests: several connections write through an
 * interlay with heavy key overlap (a small keyspace per type), in pipelines of random
 * length, with every kind of write the live path must carry: replayed ones (SET, INCR,
 * HSET, HDEL, LPUSH, LTRIM, SADD, ZADD, ZINCRBY, EXPIRE, PERSIST, DEL, RENAME) and ones that
 * reach the other side by state (INCRBYFLOAT, SPOP, XADD *, EVAL, MULTI/EXEC blocks).
 *
 * Errors the server itself answers (e.g. RENAME of a missing key) are counted, not failures;
 * anything from the interlay (`interlay:` errors, lost connections) is.
 */
import { Redis } from 'ioredis';

export interface WriterStats {
  ops: number;
  serverErrors: number;
  /** Errors that are not Redis's own answer to the command (lost replies, interlay errors). */
  failures: string[];
}

export interface RandomWriterOptions {
  port: number;
  host?: string;
  clients?: number;
  /** Keys per type family; with ~12 families the whole keyspace is about 12x this. */
  keysPerFamily?: number;
  seed?: number;
  /** Stop after this many operations (default: until stop()). */
  maxOps?: number;
  password?: string;
  username?: string;
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const SCRIPT = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], v); return v";

export class RandomWriter {
  readonly stats: WriterStats = { ops: 0, serverErrors: 0, failures: [] };
  private stopped = false;
  private readonly runs: Promise<void>[] = [];
  private readonly conns: Redis[] = [];

  constructor(private readonly o: RandomWriterOptions) {}

  start(): this {
    const n = this.o.clients ?? 6;
    for (let i = 0; i < n; i++) {
      const r = new Redis({
        host: this.o.host ?? '127.0.0.1',
        port: this.o.port,
        password: this.o.password,
        username: this.o.username,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: true,
        retryStrategy: (t) => Math.min(t * 20, 200),
      });
      r.on('error', () => undefined);
      this.conns.push(r);
      this.runs.push(this.loop(r, prng((this.o.seed ?? 1) * 1000 + i)));
    }
    return this;
  }

  /** Stops after the pipelines in flight; resolves with the stats. */
  async stop(): Promise<WriterStats> {
    this.stopped = true;
    await Promise.all(this.runs);
    for (const r of this.conns) r.disconnect();
    return this.stats;
  }

  /** Resolves once `n` operations were answered. */
  async until(n: number, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.stats.ops < n) {
      if (this.stats.failures.length > 0) throw new Error(`writer failures: ${this.stats.failures.slice(0, 5).join(' | ')}`);
      if (Date.now() > deadline) throw new Error(`writer reached ${this.stats.ops} of ${n} ops`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async loop(r: Redis, rnd: () => number): Promise<void> {
    const keys = this.o.keysPerFamily ?? 4000;
    const k = (family: string) => `${family}:${Math.floor(rnd() ** 1.5 * keys)}`;
    while (!this.stopped && (this.o.maxOps === undefined || this.stats.ops < this.o.maxOps)) {
      const p = r.pipeline();
      const n = 1 + Math.floor(rnd() * 16);
      const tx: string[][] = [];
      for (let i = 0; i < n; i++) {
        const x = rnd();
        if (x < 0.12) p.set(k('str'), String(Math.floor(rnd() * 1e6)));
        else if (x < 0.2) p.incr(k('cnt'));
        else if (x < 0.25) p.incrbyfloat(k('flt'), (rnd() * 10).toFixed(3));
        else if (x < 0.33) p.hset(k('hash'), `f${Math.floor(rnd() * 20)}`, String(rnd()));
        else if (x < 0.37) p.hdel(k('hash'), `f${Math.floor(rnd() * 20)}`);
        else if (x < 0.44) p.lpush(k('list'), String(Math.floor(rnd() * 100)));
        else if (x < 0.47) p.ltrim(k('list'), 0, Math.floor(rnd() * 10));
        else if (x < 0.53) p.sadd(k('set'), String(Math.floor(rnd() * 50)));
        else if (x < 0.56) p.spop(k('set'));
        else if (x < 0.62) p.zadd(k('zset'), Math.floor(rnd() * 100), `m${Math.floor(rnd() * 30)}`);
        else if (x < 0.66) p.zincrby(k('zset'), 1, `m${Math.floor(rnd() * 30)}`);
        else if (x < 0.70) p.xadd(k('stream'), 'MAXLEN', '50', '*', 'v', String(Math.floor(rnd() * 1000)));
        else if (x < 0.75) p.expire(k(rnd() < 0.5 ? 'str' : 'hash'), 100 + Math.floor(rnd() * 1000));
        else if (x < 0.78) p.persist(k(rnd() < 0.5 ? 'str' : 'hash'));
        else if (x < 0.82) p.del(k(['str', 'cnt', 'hash', 'list', 'set', 'zset'][Math.floor(rnd() * 6)]));
        else if (x < 0.85) p.rename(k('str'), k('str'));
        else if (x < 0.89) p.eval(SCRIPT, 2, k('cnt'), k('str'), String(1 + Math.floor(rnd() * 5)));
        else {
          // A transaction block (MULTI … EXEC, after this pipeline): several writes applied at EXEC.
          tx.push([k('cnt'), k('hash'), k('list')]);
        }
      }
      let res: [Error | null, unknown][] | null;
      try {
        res = await p.exec();
      } catch (e) {
        this.stats.failures.push(`pipeline: ${(e as Error).message}`);
        continue;
      }
      for (const [err] of res ?? []) this.count(err);
      for (const [cnt, hash, list] of tx) {
        try {
          const out = await r.multi().incr(cnt).hset(hash, 'tx', String(rnd())).lpush(list, 'tx').exec();
          for (const [err] of out ?? []) this.count(err);
        } catch (e) {
          this.count(e as Error);
        }
      }
    }
  }

  private count(err: Error | null): void {
    this.stats.ops++;
    if (err === null) return;
    const m = err.message;
    if (/interlay|Connection is closed|ECONN|EPIPE|Stream isn't writeable/i.test(m)) this.stats.failures.push(m);
    else this.stats.serverErrors++;
  }
}
