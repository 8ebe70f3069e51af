/**
 * A full comparison of two Redis servers for tests: every key of every given db on either
 * side, its type, its value (collections compared as sets where the server orders them)
 * and its TTL within a tolerance. Unlike a verification driven by the source's SCAN, keys
 * that exist only on the target count too.
 */
import { Redis } from 'ioredis';

export interface Comparison {
  keys: number;
  missing: number;
  extra: number;
  type: number;
  value: number;
  ttl: number;
  /** A few examples, for the assertion message. */
  examples: string[];
}

async function allKeys(r: Redis): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await r.scan(cursor, 'COUNT', 1000);
    for (const k of batch) out.add(k);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

async function valueOf(r: Redis, key: string, type: string): Promise<string> {
  switch (type) {
    case 'string':
      return JSON.stringify(await r.get(key));
    case 'hash':
      return JSON.stringify(Object.entries(await r.hgetall(key)).sort());
    case 'list':
      return JSON.stringify(await r.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify((await r.smembers(key)).sort());
    case 'zset':
      return JSON.stringify(await r.zrange(key, '0', '-1', 'WITHSCORES'));
    case 'stream':
      return JSON.stringify(await r.xrange(key, '-', '+'));
    default:
      return `<${type}>`;
  }
}

export async function compareServers(
  a: { host: string; port: number; password?: string },
  b: { host: string; port: number; password?: string },
  opts: { dbs?: number[]; ttlToleranceMs?: number } = {},
): Promise<Comparison> {
  const tolerance = opts.ttlToleranceMs ?? 2000;
  const out: Comparison = { keys: 0, missing: 0, extra: 0, type: 0, value: 0, ttl: 0, examples: [] };
  const note = (s: string) => {
    if (out.examples.length < 10) out.examples.push(s);
  };
  for (const db of opts.dbs ?? [0]) {
    const ra = new Redis({ host: a.host, port: a.port, password: a.password, db, lazyConnect: true });
    const rb = new Redis({ host: b.host, port: b.port, password: b.password, db, lazyConnect: true });
    try {
      await Promise.all([ra.connect(), rb.connect()]);
      const [ka, kb] = await Promise.all([allKeys(ra), allKeys(rb)]);
      out.keys += ka.size;
      for (const k of kb) if (!ka.has(k)) {
        // A key that expired on one side between the scans is not a difference.
        if ((await ra.exists(k)) === 0 && (await rb.pttl(k)) < tolerance && (await rb.pttl(k)) > -1) continue;
        out.extra++;
        note(`db${db} ${k}: only on the second`);
      }
      for (const k of ka) {
        const [ta, tb] = await Promise.all([ra.type(k), rb.type(k)]);
        if (tb === 'none') {
          if (ta === 'none') continue;
          out.missing++;
          note(`db${db} ${k}: missing on the second`);
          continue;
        }
        if (ta !== tb) {
          out.type++;
          note(`db${db} ${k}: ${ta} vs ${tb}`);
          continue;
        }
        const [va, vb, pa, pb] = await Promise.all([valueOf(ra, k, ta), valueOf(rb, k, tb), ra.pttl(k), rb.pttl(k)]);
        if (va !== vb) {
          out.value++;
          note(`db${db} ${k}: ${va.slice(0, 120)} vs ${vb.slice(0, 120)}`);
        }
        if ((pa < 0) !== (pb < 0) || (pa >= 0 && Math.abs(pa - pb) > tolerance)) {
          out.ttl++;
          note(`db${db} ${k}: ttl ${pa} vs ${pb}`);
        }
      }
    } finally {
      ra.disconnect();
      rb.disconnect();
    }
  }
  return out;
}
