/** Helpers shared by the copy job integration tests. */
import { RedisConnection } from '../redis';
import type { RespArg, RespValue } from '../resp/types';

export async function connect(port: number, db = 0): Promise<RedisConnection> {
  const c = new RedisConnection({ host: '127.0.0.1', port, db });
  await c.connect();
  return c;
}

/** Polls until `fn` returns a truthy value; the deadline is generous (two shared cores). */
export async function waitFor<T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Writes `n` keys `prefix<i>` of several types, some with a TTL, plus one binary key. */
export async function seed(c: RedisConnection, prefix: string, n: number, valueBytes = 16): Promise<Buffer[]> {
  const cmds: RespArg[][] = [];
  const keys: Buffer[] = [];
  const pad = 'x'.repeat(valueBytes);
  for (let i = 0; i < n; i++) {
    const k = `${prefix}${i}`;
    keys.push(Buffer.from(k));
    switch (i % 5) {
      case 0:
        cmds.push(['SET', k, `v${i}${pad}`]);
        break;
      case 1:
        cmds.push(['HSET', k, 'a', `${i}`, 'b', pad]);
        break;
      case 2:
        cmds.push(['RPUSH', k, 'x', 'y', `${i}`]);
        break;
      case 3:
        cmds.push(['SADD', k, 'm1', 'm2', `${i}`]);
        break;
      default:
        cmds.push(['ZADD', k, '1', 'one', `${i}`, 'two']);
    }
    if (i % 7 === 0) cmds.push(['PEXPIRE', k, '3600000']);
    if (cmds.length >= 1000) await c.pipeline(cmds.splice(0));
  }
  const binary = Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0x2c, 0x22])]);
  cmds.push(['SET', binary, `binary${pad}`]);
  keys.push(binary);
  if (cmds.length) await c.pipeline(cmds);
  return keys;
}

/** A comparable rendering of a key: type, value (order-free for sets and hashes) and whether it expires. */
export async function snapshot(c: RedisConnection, key: Buffer): Promise<string> {
  const type = String(await c.call('TYPE', key));
  const text = (v: RespValue) => (Array.isArray(v) ? v.map((x) => String(x)) : String(v));
  let value: unknown;
  switch (type) {
    case 'string':
      value = text(await c.call('GET', key));
      break;
    case 'hash': {
      const flat = text(await c.call('HGETALL', key)) as string[];
      const pairs: string[] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
      value = pairs.sort();
      break;
    }
    case 'list':
      value = text(await c.call('LRANGE', key, '0', '-1'));
      break;
    case 'set':
      value = (text(await c.call('SMEMBERS', key)) as string[]).sort();
      break;
    case 'zset':
      value = text(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'));
      break;
    default:
      value = null;
  }
  const ttl = Number(await c.call('PTTL', key));
  return JSON.stringify({ type, value, expires: ttl > 0 });
}

/** Keys whose snapshot differs between two servers, among `keys`. */
export async function diffKeys(a: RedisConnection, b: RedisConnection, keys: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const k of keys) {
    const [x, y] = await Promise.all([snapshot(a, k), snapshot(b, k)]);
    if (x !== y) out.push(k);
  }
  return out;
}

/** A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF), for checking exports. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
