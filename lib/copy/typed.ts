/**
 * The type-based path: reading a key element by element (HSCAN / SSCAN / ZSCAN / LRANGE /
 * XRANGE / GETRANGE) and writing it with plain commands. Used for
 * - big keys (memory stays bounded: one chunk in memory at a time, whatever the key size),
 * - cross-version fallback (a target that rejects the source's DUMP payload),
 * - Merge (type-aware union into an existing key),
 * - type-aware comparison (verification, and "already copied?" checks under None).
 *
 * A full copy goes into a temporary key on the target, then RENAME / RENAMENX puts it in
 * place atomically, with its TTL set just before. The temporary key carries a 10 minute
 * safety expiry refreshed with every chunk, so a crash mid-copy leaves nothing behind
 * for long.
 */
import { RespDouble, RespError, RespMap, RespSet, type RespArg, type RespValue } from '../resp/types';
import { classifyReply, isTransientReply, TransientError } from './errors';
import type { Link } from './link';
import type { ConflictPolicy, ErrorClass } from './types';

/** Safety expiry of temporary keys; refreshed by every chunk. */
const TMP_TTL_MS = 600_000;

export const NATIVE_TYPES = new Set(['string', 'list', 'set', 'zset', 'hash', 'stream']);

export type KeyOutcome =
  | { kind: 'copied'; bytes: number }
  | { kind: 'expired' }
  | { kind: 'failed'; errorClass: ErrorClass; retryable: boolean; message: string; type?: string };

export interface TypedOptions {
  policy: ConflictPolicy;
  preserveTtl: boolean;
  /** Elements per chunk. */
  chunk: number;
  /** Bytes per string chunk. */
  stringChunk: number;
  /** Distinguishes this run's temporary keys. */
  tag: string;
}

/** Thrown inside the typed path when a target refuses a write; becomes a 'failed' outcome. */
class KeyFailure extends Error {
  constructor(
    readonly errorClass: ErrorClass,
    readonly retryable: boolean,
    message: string,
  ) {
    super(message);
  }
}

// --- reply helpers -----------------------------------------------------------------

export function arr(v: RespValue): RespValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RespSet) return v.items;
  if (v instanceof RespMap) return v.entries.flat();
  return [];
}

export function buf(v: RespValue): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof RespDouble) return Buffer.from(String(v.value));
  return Buffer.from(String(v ?? ''));
}

export function num(v: RespValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof RespDouble) return v.value;
  if (Buffer.isBuffer(v) || typeof v === 'string') {
    const s = String(v);
    if (s === 'inf' || s === '+inf') return Infinity;
    if (s === '-inf') return -Infinity;
    return Number(s);
  }
  return NaN;
}

/** Field lookup in a RESP2 flat [k, v, k, v] array or a RESP3 map. */
export function field(v: RespValue, name: string): RespValue | undefined {
  if (v instanceof RespMap) return v.get(name);
  const a = arr(v);
  for (let i = 0; i + 1 < a.length; i += 2) if (String(a[i]) === name) return a[i + 1];
  return undefined;
}

function str(v: RespValue): string {
  return Buffer.isBuffer(v) ? v.toString('latin1') : String(v);
}

function check(replies: RespValue[], what: string): void {
  for (const r of replies) {
    if (r instanceof RespError) {
      if (isTransientReply(r)) throw new TransientError(`${what}: ${r.message}`);
      const c = classifyReply(r);
      throw new KeyFailure(c.errorClass, c.retryable, `${what}: ${r.message}`);
    }
  }
}

async function ok(link: Link, what: string, ...args: RespArg[]): Promise<RespValue> {
  const v = await link.call(...args);
  check([v], what);
  return v;
}

/**
 * A temporary key in the same cluster slot as `key`: `{tag}` when the key has a hash tag,
 * `{key}` otherwise (a key containing '}' without a valid tag cannot be wrapped; it gets
 * a plain prefix, fine on non-cluster targets).
 */
export function tempKeyFor(key: Buffer, tag: string): Buffer {
  const suffix = Buffer.from(`:__interlay_copy_tmp:${tag}`);
  const open = key.indexOf(0x7b);
  if (open !== -1) {
    const close = key.indexOf(0x7d, open + 1);
    if (close > open + 1) return Buffer.concat([key.subarray(open, close + 1), suffix]);
  }
  if (key.indexOf(0x7d) === -1 && key.length > 0) return Buffer.concat([Buffer.from('{'), key, Buffer.from('}'), suffix]);
  return Buffer.concat([Buffer.from('__interlay_copy_tmp:'), Buffer.from(tag), Buffer.from(':'), key]);
}

// --- chunked readers: each yields write commands for `dest` ------------------------------

type Cmd = RespArg[];

async function* stringChunks(src: Link, key: Buffer, dest: Buffer, o: TypedOptions): AsyncGenerator<Cmd[]> {
  const len = num(await ok(src, 'STRLEN', 'STRLEN', key));
  if (len === 0) {
    yield [['SET', dest, '']];
    return;
  }
  for (let off = 0; off < len; off += o.stringChunk) {
    const part = buf(await ok(src, 'GETRANGE', 'GETRANGE', key, off, Math.min(len, off + o.stringChunk) - 1));
    yield [off === 0 ? ['SET', dest, part] : ['SETRANGE', dest, off, part]];
  }
}

async function* scanChunks(
  src: Link,
  key: Buffer,
  dest: Buffer,
  o: TypedOptions,
  scanCmd: 'HSCAN' | 'SSCAN' | 'ZSCAN',
): AsyncGenerator<Cmd[]> {
  let cursor = '0';
  do {
    const r = arr(await ok(src, scanCmd, scanCmd, key, cursor, 'COUNT', o.chunk));
    cursor = str(r[0]);
    const items = arr(r[1]);
    if (items.length === 0) continue;
    if (scanCmd === 'HSCAN') yield [['HSET', dest, ...(items as Buffer[])]];
    else if (scanCmd === 'SSCAN') yield [['SADD', dest, ...(items as Buffer[])]];
    else {
      const args: RespArg[] = ['ZADD', dest];
      for (let i = 0; i + 1 < items.length; i += 2) args.push(buf(items[i + 1]), buf(items[i]));
      yield [args];
    }
  } while (cursor !== '0');
}

async function* listChunks(src: Link, key: Buffer, dest: Buffer, o: TypedOptions): AsyncGenerator<Cmd[]> {
  for (let i = 0; ; i += o.chunk) {
    const items = arr(await ok(src, 'LRANGE', 'LRANGE', key, i, i + o.chunk - 1));
    if (items.length === 0) return;
    yield [['RPUSH', dest, ...(items as Buffer[])]];
    if (items.length < o.chunk) return;
  }
}

/**
 * Streams: entries by XRANGE, then the stream's last id (XSETID, with ENTRIESADDED /
 * MAXDELETEDID where the target knows them), consumer groups with their last-delivered
 * id and entries-read, their consumers, and pending entries (best effort: XCLAIM ... FORCE
 * JUSTID keeps owner, idle time and delivery count; a pending id whose entry was deleted
 * from the stream cannot be recreated and is dropped).
 */
async function* streamChunks(src: Link, key: Buffer, dest: Buffer, o: TypedOptions): AsyncGenerator<Cmd[]> {
  const info = await ok(src, 'XINFO STREAM', 'XINFO', 'STREAM', key);
  const lastId = str(field(info, 'last-generated-id') ?? '0-0');
  let start = '-';
  let any = false;
  for (;;) {
    const entries = arr(await ok(src, 'XRANGE', 'XRANGE', key, start, '+', 'COUNT', o.chunk));
    if (entries.length === 0) break;
    const cmds: Cmd[] = [];
    for (const e of entries) {
      const [id, fields] = arr(e);
      cmds.push(['XADD', dest, buf(id), ...(arr(fields) as Buffer[])]);
      start = '(' + str(id);
    }
    any = true;
    yield cmds;
    if (entries.length < o.chunk) break;
  }
  const groups = arr(await ok(src, 'XINFO GROUPS', 'XINFO', 'GROUPS', key));
  if (!any) {
    // An empty stream: XADD then trim to nothing creates it with the right last id.
    yield [lastId === '0-0' ? ['XADD', dest, 'MAXLEN', '0', '0-1', 'f', 'v'] : ['XADD', dest, 'MAXLEN', '0', lastId, 'f', 'v']];
  }
  const entriesAdded = field(info, 'entries-added');
  const maxDeleted = field(info, 'max-deleted-entry-id');
  const setid: Cmd = ['XSETID', dest, lastId];
  if (entriesAdded !== undefined && maxDeleted !== undefined) setid.push('ENTRIESADDED', num(entriesAdded), 'MAXDELETEDID', str(maxDeleted));
  yield [setid];
  for (const g of groups) {
    const name = buf(field(g, 'name') ?? '');
    const delivered = str(field(g, 'last-delivered-id') ?? '0-0');
    const entriesRead = field(g, 'entries-read');
    const create: Cmd = ['XGROUP', 'CREATE', dest, name, delivered];
    if (typeof entriesRead === 'number') create.push('ENTRIESREAD', entriesRead);
    const cmds: Cmd[] = [create];
    for (const c of arr(await ok(src, 'XINFO CONSUMERS', 'XINFO', 'CONSUMERS', key, name))) {
      cmds.push(['XGROUP', 'CREATECONSUMER', dest, name, buf(field(c, 'name') ?? '')]);
    }
    yield cmds;
    let from = '-';
    for (;;) {
      const pend = arr(await ok(src, 'XPENDING', 'XPENDING', key, name, from, '+', o.chunk));
      if (pend.length === 0) break;
      const claims: Cmd[] = [];
      for (const p of pend) {
        const [id, consumer, idle, count] = arr(p);
        claims.push(['XCLAIM', dest, name, buf(consumer), '0', buf(id), 'IDLE', num(idle), 'RETRYCOUNT', num(count), 'FORCE', 'JUSTID']);
        from = '(' + str(id);
      }
      yield claims;
      if (pend.length < o.chunk) break;
    }
  }
}

function chunksFor(type: string, src: Link, key: Buffer, dest: Buffer, o: TypedOptions): AsyncGenerator<Cmd[]> {
  switch (type) {
    case 'string':
      return stringChunks(src, key, dest, o);
    case 'hash':
      return scanChunks(src, key, dest, o, 'HSCAN');
    case 'set':
      return scanChunks(src, key, dest, o, 'SSCAN');
    case 'zset':
      return scanChunks(src, key, dest, o, 'ZSCAN');
    case 'list':
      return listChunks(src, key, dest, o);
    case 'stream':
      return streamChunks(src, key, dest, o);
    default:
      throw new KeyFailure('module_type_missing', false, `type "${type}" cannot be copied element by element`);
  }
}

function cmdBytes(cmds: Cmd[]): number {
  let n = 0;
  for (const c of cmds) for (const a of c) n += Buffer.isBuffer(a) ? a.length : String(a).length;
  return n;
}

/** Writes every chunk to `dest`; with `guard`, each chunk also refreshes dest's safety expiry. */
async function writeAll(tgt: Link, dest: Buffer, chunks: AsyncGenerator<Cmd[]>, guard: boolean, what: string): Promise<number> {
  let bytes = 0;
  for await (const cmds of chunks) {
    bytes += cmdBytes(cmds);
    const batch = guard ? [...cmds, ['PEXPIRE', dest, TMP_TTL_MS]] : cmds;
    check(await tgt.pipeline(batch), what);
  }
  return bytes;
}

export async function keyType(link: Link, key: Buffer): Promise<string> {
  return str(await ok(link, 'TYPE', 'TYPE', key));
}

/** Remaining PTTL now: -1 no expiry, -2 gone. */
async function pttl(link: Link, key: Buffer): Promise<number> {
  return num(await ok(link, 'PTTL', 'PTTL', key));
}

/**
 * Copies one key element by element, honouring the conflict policy:
 * - Replace: build tmp, RENAME over the key.
 * - None: RENAMENX; when the key exists, an equal value counts as copied (a resumed
 *   run re-copying its own keys), anything else is a conflict.
 * - Merge: absent -> like None; present -> see mergeKey.
 */
export async function copyTyped(src: Link, tgt: Link, key: Buffer, o: TypedOptions): Promise<KeyOutcome> {
  let type = '';
  try {
    type = await keyType(src, key);
    if (type === 'none') return { kind: 'expired' };
    const t0 = performance.now();
    const ttl0 = await pttl(src, key);
    if (ttl0 === -2 || ttl0 === 0) return { kind: 'expired' };

    if (o.policy !== 'Replace') {
      const exists = num(await ok(tgt, 'EXISTS', 'EXISTS', key)) === 1;
      if (exists) return await existingKey(src, tgt, key, type, o);
    }

    const tmp = tempKeyFor(key, o.tag);
    await ok(tgt, 'DEL', 'DEL', tmp);
    const bytes = await writeAll(tgt, tmp, chunksFor(type, src, key, tmp, o), true, `copy ${type}`);

    // TTL last: the remaining time as of now (PTTL read before the copy, minus elapsed).
    let expiry: Cmd = ['PERSIST', tmp];
    if (o.preserveTtl && ttl0 > 0) {
      const left = Math.ceil(ttl0 - (performance.now() - t0));
      if (left <= 0) {
        await tgt.call('DEL', tmp);
        return { kind: 'expired' };
      }
      expiry = ['PEXPIRE', tmp, left];
    }
    const rename: Cmd = o.policy === 'Replace' ? ['RENAME', tmp, key] : ['RENAMENX', tmp, key];
    const [, renamed] = await tgt.pipeline([expiry, rename]);
    check([renamed], 'RENAME');
    if (renamed === 0) {
      // Someone created the key meanwhile.
      await tgt.call('DEL', tmp);
      return await existingKey(src, tgt, key, type, o);
    }
    return { kind: 'copied', bytes };
  } catch (err) {
    if (err instanceof KeyFailure) return { kind: 'failed', errorClass: err.errorClass, retryable: err.retryable, message: err.message, type };
    throw err;
  }
}

/** The target already has the key (None / Merge). */
async function existingKey(src: Link, tgt: Link, key: Buffer, type: string, o: TypedOptions): Promise<KeyOutcome> {
  const ttype = await keyType(tgt, key);
  if (ttype !== type) {
    return { kind: 'failed', errorClass: 'conflict', retryable: false, type, message: `target key exists with type ${ttype} (source ${type})` };
  }
  const diff = await typedDiff(src, tgt, key, type, o.chunk, o.stringChunk);
  if (diff === null) return { kind: 'copied', bytes: 0 };
  if (o.policy === 'Merge') return mergeKey(src, tgt, key, type, o, diff);
  return { kind: 'failed', errorClass: 'conflict', retryable: false, type, message: `target key exists with a different value (${diff})` };
}

/**
 * Merge into an existing key of the same type (the target keeps its own TTL):
 * - hash: source fields overwrite, other target fields stay;
 * - set: union;
 * - zset: union, the source's score wins for members in both;
 * - string: no merge — conflict (source wins only when the target key is absent);
 * - list, stream: no order-preserving merge is well defined (append? interleave? ids?),
 *   so they are recorded as merge_undefined for a human to decide.
 */
async function mergeKey(src: Link, tgt: Link, key: Buffer, type: string, o: TypedOptions, diff: string): Promise<KeyOutcome> {
  if (type === 'hash' || type === 'set' || type === 'zset') {
    const bytes = await writeAll(tgt, key, chunksFor(type, src, key, key, o), false, `merge ${type}`);
    return { kind: 'copied', bytes };
  }
  if (type === 'string') {
    return { kind: 'failed', errorClass: 'conflict', retryable: false, type, message: `string exists on target with another value (${diff})` };
  }
  return { kind: 'failed', errorClass: 'merge_undefined', retryable: false, type, message: `merge of ${type} is not defined; target key left as is (${diff})` };
}

/** Merge policy entry point when RESTORE (without REPLACE) hit BUSYKEY. */
export async function mergeExisting(src: Link, tgt: Link, key: Buffer, o: TypedOptions): Promise<KeyOutcome> {
  try {
    const type = await keyType(src, key);
    if (type === 'none') return { kind: 'expired' };
    return await existingKey(src, tgt, key, type, o);
  } catch (err) {
    if (err instanceof KeyFailure) return { kind: 'failed', errorClass: err.errorClass, retryable: err.retryable, message: err.message };
    throw err;
  }
}

function bufEq(a: RespValue, b: RespValue): boolean {
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : str(a) === str(b);
}

/**
 * Compares the key's value on two servers element by element, in bounded chunks.
 * Returns null when equal, otherwise a short description of the first difference.
 * Same-named key on both sides; the caller checked that both have `type`.
 */
export async function typedDiff(a: Link, b: Link, key: Buffer, type: string, chunk: number, stringChunk: number): Promise<string | null> {
  switch (type) {
    case 'string': {
      const [la, lb] = [num(await a.call('STRLEN', key)), num(await b.call('STRLEN', key))];
      if (la !== lb) return `length ${la} vs ${lb}`;
      for (let off = 0; off < la; off += stringChunk) {
        const end = Math.min(la, off + stringChunk) - 1;
        const [pa, pb] = [await a.call('GETRANGE', key, off, end), await b.call('GETRANGE', key, off, end)];
        if (!bufEq(pa, pb)) return `bytes differ in [${off}, ${end}]`;
      }
      return null;
    }
    case 'hash':
    case 'set':
    case 'zset': {
      const card = type === 'hash' ? 'HLEN' : type === 'set' ? 'SCARD' : 'ZCARD';
      const [ca, cb] = [num(await a.call(card, key)), num(await b.call(card, key))];
      if (ca !== cb) return `${ca} vs ${cb} elements`;
      const scan = type === 'hash' ? 'HSCAN' : type === 'set' ? 'SSCAN' : 'ZSCAN';
      let cursor = '0';
      do {
        const r = arr(await a.call(scan, key, cursor, 'COUNT', chunk));
        if (r.length < 2) return `${scan} failed`;
        cursor = str(r[0]);
        const items = arr(r[1]);
        if (items.length === 0) continue;
        if (type === 'set') {
          const present = arr(await b.call('SMISMEMBER', key, ...(items as Buffer[])));
          const i = present.findIndex((x) => num(x) !== 1);
          if (i !== -1) return `member ${str(items[i])} missing`;
        } else {
          const names: Buffer[] = [];
          for (let i = 0; i < items.length; i += 2) names.push(buf(items[i]));
          const other = arr(await b.call(type === 'hash' ? 'HMGET' : 'ZMSCORE', key, ...names));
          for (let i = 0; i < names.length; i++) {
            const va = items[2 * i + 1];
            const vb = other[i];
            const same = type === 'hash' ? vb !== null && bufEq(va, vb) : vb !== null && num(va) === num(vb);
            if (!same) return `${type === 'hash' ? 'field' : 'member'} ${names[i].toString('latin1')} differs`;
          }
        }
      } while (cursor !== '0');
      return null;
    }
    case 'list': {
      const [la, lb] = [num(await a.call('LLEN', key)), num(await b.call('LLEN', key))];
      if (la !== lb) return `length ${la} vs ${lb}`;
      for (let i = 0; i < la; i += chunk) {
        const [xa, xb] = [arr(await a.call('LRANGE', key, i, i + chunk - 1)), arr(await b.call('LRANGE', key, i, i + chunk - 1))];
        for (let j = 0; j < xa.length; j++) if (!bufEq(xa[j], xb[j])) return `element ${i + j} differs`;
      }
      return null;
    }
    case 'stream': {
      const [ia, ib] = [await a.call('XINFO', 'STREAM', key), await b.call('XINFO', 'STREAM', key)];
      for (const f of ['length', 'last-generated-id']) {
        if (str(field(ia, f) ?? '') !== str(field(ib, f) ?? '')) return `${f} ${str(field(ia, f) ?? '')} vs ${str(field(ib, f) ?? '')}`;
      }
      let start = '-';
      for (;;) {
        const [xa, xb] = [arr(await a.call('XRANGE', key, start, '+', 'COUNT', chunk)), arr(await b.call('XRANGE', key, start, '+', 'COUNT', chunk))];
        if (xa.length !== xb.length) return 'entries differ';
        if (xa.length === 0) break;
        for (let j = 0; j < xa.length; j++) {
          const [ida, fa] = arr(xa[j]);
          const [idb, fb] = arr(xb[j]);
          const fla = arr(fa);
          const flb = arr(fb);
          if (!bufEq(ida, idb) || fla.length !== flb.length || fla.some((x, k) => !bufEq(x, flb[k]))) return `entry ${str(ida)} differs`;
        }
        start = '(' + str(arr(xa[xa.length - 1])[0]);
        if (xa.length < chunk) break;
      }
      const [ga, gb] = [arr(await a.call('XINFO', 'GROUPS', key)), arr(await b.call('XINFO', 'GROUPS', key))];
      if (ga.length !== gb.length) return `${ga.length} vs ${gb.length} consumer groups`;
      const sig = (g: RespValue[]) =>
        g.map((x) => `${str(field(x, 'name') ?? '')}@${str(field(x, 'last-delivered-id') ?? '')}/${str(field(x, 'pending') ?? '')}`).sort().join(',');
      if (sig(ga) !== sig(gb)) return `consumer groups differ (${sig(ga)} vs ${sig(gb)})`;
      return null;
    }
    default:
      return `type ${type} cannot be compared element by element`;
  }
}
