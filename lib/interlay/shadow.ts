/**
 * Shadow reads (stage `shadow`): a sampled share of the reads a client sends is also sent
 * to the target; the client is always served by the primary, and the two replies are
 * compared when both are in. Divergences are counted, and the most recent ones kept with
 * the key and both replies (bounded) for the console.
 *
 * Compared: keyed, deterministic reads. Replies whose element order is the server's own
 * (SMEMBERS, HGETALL, SUNION …) are compared as sorted collections. Not sampled: random
 * reads (SRANDMEMBER, RANDOMKEY …), TTLs (they tick between the two reads), cursors (SCAN
 * families follow each server's table layout), and introspection whose answer depends on
 * the server's version or memory (OBJECT, MEMORY, DUMP, DEBUG).
 */
import type { CommandInfo } from '@/lib/commands';
import { FrameParser, RespMap, RespSet, type RespValue } from '@/lib/resp';
import type { ReplySink } from './backend';

const SKIP = new Set([
  'randomkey', 'srandmember', 'hrandfield', 'zrandmember',
  'ttl', 'pttl', 'expiretime', 'pexpiretime', 'object|idletime', 'object|freq', 'object|encoding', 'object|refcount',
  'scan', 'sscan', 'hscan', 'zscan', 'memory|usage', 'dump', 'debug', 'lastsave', 'time', 'keys',
]);
const UNORDERED = new Set(['smembers', 'sinter', 'sunion', 'sdiff', 'hgetall', 'hkeys', 'hvals', 'hmget']);
/** Divergences kept for the console. */
const KEEP = 100;
/** Replies longer than this are compared by their hash only and shown cut. */
const SHOW_BYTES = 512;

export interface ShadowDivergence {
  at: number;
  db: number;
  command: string;
  key: string | null;
  primary: string;
  target: string;
}

interface Pending {
  info: CommandInfo;
  db: number;
  key: string | null;
  primary: Buffer | null;
  target: Buffer | null;
  done: number;
}

export class ShadowReads implements ReplySink {
  readonly closed = false;
  sampled = 0;
  compared = 0;
  divergent = 0;
  failed = 0;
  readonly recent: ShadowDivergence[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  /** Whether a read may be shadowed at all. */
  static comparable(info: CommandInfo): boolean {
    return info.isRead && info.keyStart > 0 && !SKIP.has(info.name) && !info.isBlocking;
  }

  /** Registers a sampled read; the caller sends it to the target with this id as its arg. */
  begin(info: CommandInfo, db: number, key: Buffer | null): number {
    const id = this.nextId++;
    if (this.nextId > 0x3fffffff) this.nextId = 1;
    this.pending.set(id, { info, db, key: key === null ? null : key.toString('latin1'), primary: null, target: null, done: 0 });
    this.sampled++;
    return id;
  }

  /** The primary's reply (the one the client got). */
  primaryReply(id: number, buf: Buffer, start: number, end: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    p.primary = Buffer.from(buf.subarray(start, end));
    if (++p.done === 2) this.compare(id, p);
  }

  /** The primary never answered: nothing to compare. */
  primaryFailed(id: number): void {
    const p = this.pending.get(id);
    if (p !== undefined && ++p.done === 2) this.pending.delete(id);
    else if (p !== undefined) p.primary = null;
  }

  onReply(buf: Buffer, start: number, end: number, _type: number, _flags: number, arg: number): void {
    const p = this.pending.get(arg);
    if (p === undefined) return;
    p.target = Buffer.from(buf.subarray(start, end));
    if (++p.done === 2) this.compare(arg, p);
  }

  onReplyFailed(_line: Buffer, _flags: number, arg: number): void {
    const p = this.pending.get(arg);
    this.failed++;
    if (p === undefined) return;
    if (++p.done === 2) this.pending.delete(arg);
  }

  private compare(id: number, p: Pending): void {
    this.pending.delete(id);
    if (p.primary === null || p.target === null) return;
    this.compared++;
    if (same(p.primary, p.target, UNORDERED.has(p.info.name), p.info.name === 'hgetall')) return;
    this.divergent++;
    this.recent.push({
      at: Date.now(),
      db: p.db,
      command: p.info.name,
      key: p.key,
      primary: show(p.primary),
      target: show(p.target),
    });
    if (this.recent.length > KEEP) this.recent.shift();
  }

  /** Divergent / compared, over the whole run. */
  get rate(): number {
    return this.compared === 0 ? 0 : this.divergent / this.compared;
  }
}

function same(a: Buffer, b: Buffer, unordered: boolean, pairs: boolean): boolean {
  if (a.equals(b)) return true;
  if (!unordered) return false;
  try {
    const parser = new FrameParser({ attributes: 'drop' });
    return canonical(parser.parse(a), pairs) === canonical(parser.parse(b), pairs);
  } catch {
    return false;
  }
}

/** A stable text for a reply, collections sorted (their order is the server's own); RESP2 field/value arrays as pairs. */
function canonical(v: RespValue, pairs = false): string {
  if (Array.isArray(v)) {
    if (pairs) {
      const out: string[] = [];
      for (let i = 0; i + 1 < v.length; i += 2) out.push(`${canonical(v[i])}=${canonical(v[i + 1])}`);
      return `{${out.sort().join(',')}}`;
    }
    return `[${v.map((x) => canonical(x)).sort().join(',')}]`;
  }
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('latin1'));
  if (v instanceof RespMap) return `{${v.entries.map(([k, x]) => `${canonical(k)}=${canonical(x)}`).sort().join(',')}}`;
  if (v instanceof RespSet) return `[${v.items.map((x) => canonical(x)).sort().join(',')}]`;
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

function show(b: Buffer): string {
  const s = b.toString('latin1', 0, Math.min(b.length, SHOW_BYTES));
  return b.length > SHOW_BYTES ? `${s}… (${b.length} bytes)` : s;
}
