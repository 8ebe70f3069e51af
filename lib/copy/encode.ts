/**
 * Hot-path encoders of the copier: whole pipelines written straight into one Buffer,
 * with no per-command argument arrays (the generic encodeCommands costs an array and a
 * length list per command; at ~100k keys/s that is measurable).
 */

/** Number of decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = (n / 10) | 0;
    d++;
  }
  return d;
}

function writeUint(buf: Buffer, off: number, n: number): number {
  const d = digits(n);
  let i = off + d - 1;
  do {
    buf[i--] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return off + d;
}

/** `$<len>\r\n` + bytes + `\r\n` size. */
function bulkSize(len: number): number {
  return 1 + digits(len) + 2 + len + 2;
}

function writeBulk(buf: Buffer, off: number, data: Buffer): number {
  buf[off++] = 0x24;
  off = writeUint(buf, off, data.length);
  buf[off++] = 13;
  buf[off++] = 10;
  data.copy(buf, off);
  off += data.length;
  buf[off++] = 13;
  buf[off++] = 10;
  return off;
}

function preEncode(args: readonly string[]): Buffer {
  return Buffer.concat(args.map((a) => Buffer.from(`$${Buffer.byteLength(a)}\r\n${a}\r\n`)));
}

/**
 * A command shape `<head...> KEY <tail...>`, pre-encoded once: e.g.
 * `keyCommand(['DUMP'])`, `keyCommand(['MEMORY', 'USAGE'], ['SAMPLES', '5'])`.
 */
export interface KeyCommand {
  head: Buffer;
  tail: Buffer;
}

export function keyCommand(head: readonly string[], tail: readonly string[] = []): KeyCommand {
  const argc = head.length + 1 + tail.length;
  return { head: Buffer.concat([Buffer.from(`*${argc}\r\n`), preEncode(head)]), tail: preEncode(tail) };
}

/** Encodes, for every key in order, every command of `cmds` (so replies come key by key). */
export function encodeKeyCommands(cmds: readonly KeyCommand[], keys: readonly Buffer[], from = 0, to = keys.length): Buffer {
  let fixed = 0;
  for (const c of cmds) fixed += c.head.length + c.tail.length;
  let size = 0;
  for (let i = from; i < to; i++) size += cmds.length * bulkSize(keys[i].length) + fixed;
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (let i = from; i < to; i++) {
    const k = keys[i];
    for (const c of cmds) {
      off += c.head.copy(buf, off);
      off = writeBulk(buf, off, k);
      off += c.tail.copy(buf, off);
    }
  }
  if (off !== size) throw new Error(`encodeKeyCommands: wrote ${off} of ${size} bytes`);
  return buf;
}

const RESTORE_HEAD4 = Buffer.from('*4\r\n$7\r\nRESTORE\r\n');
const RESTORE_HEAD5 = Buffer.from('*5\r\n$7\r\nRESTORE\r\n');
const REPLACE = Buffer.from('$7\r\nREPLACE\r\n');

/**
 * `RESTORE key ttl payload [REPLACE]` for items [from, to) whose `ttl` is >= 0 (items with
 * ttl < 0 are skipped: expired or not to be restored). Returns the buffer and the number
 * of commands in it.
 */
export function encodeRestores(
  keys: readonly Buffer[],
  payloads: readonly (Buffer | null)[],
  ttls: Float64Array | number[],
  replace: boolean,
): { bytes: Buffer; count: number } {
  const head = replace ? RESTORE_HEAD5 : RESTORE_HEAD4;
  let size = 0;
  let count = 0;
  for (let i = 0; i < keys.length; i++) {
    const p = payloads[i];
    if (p === null || ttls[i] < 0) continue;
    count++;
    size += head.length + bulkSize(keys[i].length) + bulkSize(digits(ttls[i])) + bulkSize(p.length) + (replace ? REPLACE.length : 0);
  }
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  for (let i = 0; i < keys.length; i++) {
    const p = payloads[i];
    if (p === null || ttls[i] < 0) continue;
    off += head.copy(buf, off);
    off = writeBulk(buf, off, keys[i]);
    const t = ttls[i];
    buf[off++] = 0x24;
    off = writeUint(buf, off, digits(t));
    buf[off++] = 13;
    buf[off++] = 10;
    off = writeUint(buf, off, t);
    buf[off++] = 13;
    buf[off++] = 10;
    off = writeBulk(buf, off, p);
    if (replace) off += REPLACE.copy(buf, off);
  }
  if (off !== size) throw new Error(`encodeRestores: wrote ${off} of ${size} bytes`);
  return { bytes: buf, count };
}
