/**
 * Helpers for the copy engine's integration tests: specs pointing at test servers, data
 * fixtures covering every type, and an independent canonical snapshot of a db (not
 * built on DUMP, so it checks the copier rather than agreeing with it).
 */
import pino from 'pino';
import { RedisConnection } from '../redis/connection';
import { RespError, type RespArg, type RespValue } from '../resp/types';
import type { RedisServer } from '../../test/redis-server';
import { arr, field, num } from './typed';
import { withDefaults, type CopySpec, type CopySpecInput, type RedisTarget } from './types';

export const quietLog = pino({ level: process.env.COPY_TEST_LOG ?? 'silent' });

export function targetOf(s: { host: string; port: number }, extra: Partial<RedisTarget> = {}): RedisTarget {
  return { host: s.host, port: s.port, tls: false, db: 0, protocol: 2, connectTimeoutMs: 2000, commandTimeoutMs: 20_000, ...extra };
}

export function specFor(src: RedisServer, tgts: RedisServer[], extra: Partial<CopySpecInput> = {}): CopySpec {
  return withDefaults({
    source: targetOf(src),
    targets: tgts.map((t) => targetOf(t)),
    batchSize: 100,
    scanCount: 100,
    retry: { attempts: 40, minBackoffMs: 50, maxBackoffMs: 500 },
    ...extra,
  });
}

export async function connect(s: { host: string; port: number }, db = 0): Promise<RedisConnection> {
  const c = new RedisConnection({ host: s.host, port: s.port, db });
  await c.connect();
  return c;
}

export async function ok(c: RedisConnection, ...args: RespArg[]): Promise<RespValue> {
  const v = await c.call(...args);
  if (v instanceof RespError) throw new Error(`${String(args[0])}: ${v.message}`);
  return v;
}

/** Runs many commands in pipelines of `chunk`, failing on any error reply. */
export async function bulk(c: RedisConnection, cmds: RespArg[][], chunk = 5000): Promise<void> {
  for (let i = 0; i < cmds.length; i += chunk) {
    const r = await c.pipeline(cmds.slice(i, i + chunk));
    const e = r.find((x) => x instanceof RespError);
    if (e) throw new Error(String(e));
  }
}

/** One key of every type (and the odd ones), prefixed, in the connection's db. */
export async function fillAllTypes(c: RedisConnection, p = ''): Promise<void> {
  const bin = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a, 0x80]);
  await bulk(c, [
    ['SET', `${p}str`, 'hello'],
    ['SET', `${p}int`, '12345'],
    ['SET', Buffer.concat([Buffer.from(p), bin]), Buffer.concat([bin, bin])],
    ['SET', `${p}bigstr`, 'x'.repeat(100_000)],
    ['RPUSH', `${p}list`, 'a', 'b', 'c', bin],
    ['RPUSH', `${p}biglist`, ...Array.from({ length: 3000 }, (_, i) => `item-${i}`)],
    ['HSET', `${p}hash`, 'f1', 'v1', 'f2', bin],
    ['HSET', `${p}bighash`, ...Array.from({ length: 3000 }, (_, i) => [`f${i}`, `value-${i}-${'y'.repeat(i % 70)}`]).flat()],
    ['SADD', `${p}set`, 'm1', 'm2', bin],
    ['SADD', `${p}intset`, '1', '2', '3', '100000'],
    ['SADD', `${p}bigset`, ...Array.from({ length: 3000 }, (_, i) => `member-${i}`)],
    ['ZADD', `${p}zset`, '1', 'a', '2.5', 'b', '-inf', 'c', '+inf', 'd'],
    ['ZADD', `${p}bigzset`, ...Array.from({ length: 3000 }, (_, i) => [String(i / 7), `m${i}`]).flat()],
    ['PFADD', `${p}hll`, ...Array.from({ length: 500 }, (_, i) => `e${i}`)],
    ['SETBIT', `${p}bitmap`, '100000', '1'],
    ['SETBIT', `${p}bitmap`, '7', '1'],
    ['GEOADD', `${p}geo`, '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
    ['XADD', `${p}stream`, '1-1', 'a', '1'],
    ['XADD', `${p}stream`, '2-1', 'b', '2', 'c', '3'],
    ['XADD', `${p}stream`, '3-0', 'd', bin],
    ['XADD', `${p}stream`, '4-0', 'e', '5'],
    ['XDEL', `${p}stream`, '4-0'],
    ['XGROUP', 'CREATE', `${p}stream`, 'g1', '0'],
    ['XGROUP', 'CREATE', `${p}stream`, 'g2', '2-1'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', `${p}stream`, '>'],
    ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '1', 'STREAMS', `${p}stream`, '>'],
    ['XACK', `${p}stream`, 'g1', '1-1'],
    ['XGROUP', 'CREATECONSUMER', `${p}stream`, 'g2', 'carol'],
    ['SET', `${p}ttl`, 'expiring', 'PX', '600000'],
    ['HSET', `${p}ttlhash`, 'a', 'b'],
    ['PEXPIRE', `${p}ttlhash`, '900000'],
  ]);
  if (p === '') await ok(c, 'SET', '', 'empty-key-value');
}

function s(v: RespValue): string {
  return Buffer.isBuffer(v) ? v.toString('hex') : String(v);
}

/**
 * Canonical text of every key in the db: type, value (order-free types sorted) and
 * whether it has an expiry (TTLs compared separately with a tolerance).
 */
export async function snapshot(c: RedisConnection, opts: { withPending?: boolean } = {}): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, keys] = arr(await ok(c, 'SCAN', cursor, 'COUNT', 1000));
    cursor = String(next);
    for (const k of arr(keys) as Buffer[]) {
      const type = String(await ok(c, 'TYPE', k));
      const ttl = num(await ok(c, 'PTTL', k));
      let value: string;
      switch (type) {
        case 'string':
          value = s(await ok(c, 'GET', k));
          break;
        case 'list':
          value = arr(await ok(c, 'LRANGE', k, 0, -1)).map(s).join(',');
          break;
        case 'set':
          value = arr(await ok(c, 'SMEMBERS', k)).map(s).sort().join(',');
          break;
        case 'hash': {
          const a = arr(await ok(c, 'HGETALL', k));
          const pairs: string[] = [];
          for (let i = 0; i < a.length; i += 2) pairs.push(`${s(a[i])}=${s(a[i + 1])}`);
          value = pairs.sort().join(',');
          break;
        }
        case 'zset':
          value = arr(await ok(c, 'ZRANGE', k, 0, -1, 'WITHSCORES')).map(s).join(',');
          break;
        case 'stream': {
          const entries = arr(await ok(c, 'XRANGE', k, '-', '+')).map((e) => arr(e).map((x) => (Array.isArray(x) ? x.map(s).join(':') : s(x))).join('/'));
          const info = await ok(c, 'XINFO', 'STREAM', k);
          const groups = arr(await ok(c, 'XINFO', 'GROUPS', k)).map((g) => {
            let text = `${s(field(g, 'name')!)}@${s(field(g, 'last-delivered-id')!)}`;
            if (opts.withPending !== false) text += `p${s(field(g, 'pending')!)}c${s(field(g, 'consumers')!)}`;
            return text;
          });
          value = `${entries.join(';')}|last=${s(field(info, 'last-generated-id')!)}|groups=${groups.sort().join(',')}`;
          break;
        }
        default:
          value = '?';
      }
      out.set(k.toString('hex'), `${type}:${ttl > 0 ? 'ttl' : 'persist'}:${value}`);
    }
  } while (cursor !== '0');
  return out;
}

export function diffSnapshots(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined) out.push(`missing ${Buffer.from(k, 'hex').toString('latin1')}`);
    else if (w !== v) out.push(`differs ${Buffer.from(k, 'hex').toString('latin1')}: ${v.slice(0, 120)} vs ${w.slice(0, 120)}`);
  }
  for (const k of b.keys()) if (!a.has(k)) out.push(`extra ${Buffer.from(k, 'hex').toString('latin1')}`);
  return out;
}
