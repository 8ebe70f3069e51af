/**
 * Encoders: commands (multibulk, the hot path of the client and copier) and reply values
 * in RESP2 or RESP3 (with the RESP3 -> RESP2 downgrade Redis itself applies).
 */
import { FrameParser } from './parse';
import {
  RespAttribute,
  RespBigNumber,
  RespDouble,
  RespError,
  RespMap,
  RespPush,
  RespSet,
  RespVerbatim,
  type RespArg,
  type RespValue,
} from './types';

const CRLF = Buffer.from('\r\n');

/** Number of decimal digits of a non-negative integer. */
function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes `<prefix><n>\r\n` at off; returns the new offset. */
function writeHeader(buf: Buffer, off: number, prefix: number, n: number): number {
  buf[off++] = prefix;
  const d = digits(n);
  let end = off + d;
  for (let i = end - 1; i >= off; i--) {
    buf[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  buf[end++] = 13;
  buf[end++] = 10;
  return end;
}

function argBytes(a: RespArg): number {
  if (typeof a === 'string') return Buffer.byteLength(a, 'utf8');
  if (Buffer.isBuffer(a)) return a.length;
  if (typeof a === 'number') return String(a).length;
  throw new TypeError(`invalid command argument of type ${typeof a}`);
}

function commandSize(args: readonly RespArg[], lens: number[]): number {
  let size = 3 + digits(args.length);
  for (let i = 0; i < args.length; i++) {
    const n = argBytes(args[i]);
    lens.push(n);
    size += 5 + digits(n) + n;
  }
  return size;
}

function writeCommand(buf: Buffer, off: number, args: readonly RespArg[], lens: number[], li: number): number {
  off = writeHeader(buf, off, 0x2a, args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const n = lens[li + i];
    off = writeHeader(buf, off, 0x24, n);
    if (typeof a === 'string') buf.write(a, off, n, 'utf8');
    else if (Buffer.isBuffer(a)) a.copy(buf, off);
    else buf.write(String(a), off, n, 'latin1');
    off += n;
    buf[off++] = 13;
    buf[off++] = 10;
  }
  return off;
}

/** Encodes one command as a RESP multibulk in a single allocation. */
export function encodeCommand(args: readonly RespArg[]): Buffer {
  const lens: number[] = [];
  const buf = Buffer.allocUnsafe(commandSize(args, lens));
  writeCommand(buf, 0, args, lens, 0);
  return buf;
}

/** Encodes many commands into one buffer (one socket write for a whole pipeline). */
export function encodeCommands(commands: readonly (readonly RespArg[])[]): Buffer {
  const lens: number[] = [];
  let size = 0;
  for (const c of commands) size += commandSize(c, lens);
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  let li = 0;
  for (const c of commands) {
    off = writeCommand(buf, off, c, lens, li);
    li += c.length;
  }
  return buf;
}

/**
 * Encodes Buffer args and records each argument's [start, end) in `offsets` (pairs).
 * Used to turn an inline command into the multibulk the proxy forwards.
 */
export function encodeArgsWithOffsets(args: readonly Buffer[], offsets: Int32Array): Buffer {
  const lens: number[] = [];
  const buf = Buffer.allocUnsafe(commandSize(args, lens));
  let off = writeHeader(buf, 0, 0x2a, args.length);
  for (let i = 0; i < args.length; i++) {
    off = writeHeader(buf, off, 0x24, args[i].length);
    offsets[2 * i] = off;
    args[i].copy(buf, off);
    off += args[i].length;
    offsets[2 * i + 1] = off;
    buf[off++] = 13;
    buf[off++] = 10;
  }
  return buf;
}

export interface EncodeReplyOptions {
  /**
   * RESP2 has two nulls (`$-1` null bulk, `*-1` null array) where RESP3 has one (`_`).
   * Which one a top-level null becomes for RESP2; 'array' fits commands whose RESP2
   * null is an array (BLPOP/BRPOP/BZPOP* timeouts, aborted EXEC, XREAD timeout).
   * Nested nulls are always `$-1`. Default 'bulk'.
   */
  nullAs?: 'bulk' | 'array';
}

/** Formats a double as RESP3 does: inf / -inf / nan, otherwise the shortest exact text. */
export function formatDouble(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Simple strings and errors cannot hold CR or LF; Redis replaces them with spaces too. */
function lineSafe(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s;
}

/** Encodes a reply value for a RESP2 or RESP3 client. */
export function encodeReply(value: RespValue, protocol: 2 | 3, opts: EncodeReplyOptions = {}): Buffer {
  const parts: Buffer[] = [];
  if (value === null && protocol === 2 && opts.nullAs === 'array') {
    parts.push(Buffer.from('*-1\r\n'));
  } else {
    encodeInto(parts, value, protocol === 3);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function line(parts: Buffer[], text: string): void {
  parts.push(Buffer.from(text + '\r\n', 'utf8'));
}

function bulk(parts: Buffer[], prefix: string, data: Buffer): void {
  parts.push(Buffer.from(`${prefix}${data.length}\r\n`, 'latin1'), data, CRLF);
}

function encodeInto(parts: Buffer[], v: RespValue, r3: boolean): void {
  if (v === null) return line(parts, r3 ? '_' : '$-1');
  if (Buffer.isBuffer(v)) return bulk(parts, '$', v);
  if (Array.isArray(v)) {
    line(parts, `*${v.length}`);
    for (const x of v) encodeInto(parts, x, r3);
    return;
  }
  switch (typeof v) {
    case 'string':
      return line(parts, '+' + lineSafe(v));
    case 'number':
      if (Number.isSafeInteger(v)) return line(parts, `:${v}`);
      return encodeInto(parts, new RespDouble(v), r3);
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) return line(parts, `:${v}`);
      return encodeInto(parts, new RespBigNumber(v), r3);
    case 'boolean':
      return line(parts, r3 ? (v ? '#t' : '#f') : v ? ':1' : ':0');
  }
  if (v instanceof RespError) {
    if (r3 && v.blob) return bulk(parts, '!', Buffer.from(v.message, 'utf8'));
    return line(parts, '-' + lineSafe(v.message));
  }
  if (v instanceof RespDouble) {
    const text = formatDouble(v.value);
    return r3 ? line(parts, ',' + text) : bulk(parts, '$', Buffer.from(text, 'latin1'));
  }
  if (v instanceof RespBigNumber) {
    return r3 ? line(parts, `(${v.value}`) : bulk(parts, '$', Buffer.from(String(v.value), 'latin1'));
  }
  if (v instanceof RespVerbatim) {
    if (!r3) return bulk(parts, '$', v.data);
    return bulk(parts, '=', Buffer.concat([Buffer.from(v.format.padEnd(3).slice(0, 3) + ':', 'latin1'), v.data]));
  }
  if (v instanceof RespMap) {
    line(parts, r3 ? `%${v.entries.length}` : `*${v.entries.length * 2}`);
    for (const [k, x] of v.entries) {
      encodeInto(parts, k, r3);
      encodeInto(parts, x, r3);
    }
    return;
  }
  if (v instanceof RespSet || v instanceof RespPush) {
    const prefix = !r3 ? '*' : v instanceof RespSet ? '~' : '>';
    line(parts, `${prefix}${v.items.length}`);
    for (const x of v.items) encodeInto(parts, x, r3);
    return;
  }
  if (v instanceof RespAttribute) {
    if (r3) {
      line(parts, `|${v.attributes.entries.length}`);
      for (const [k, x] of v.attributes.entries) {
        encodeInto(parts, k, r3);
        encodeInto(parts, x, r3);
      }
    }
    return encodeInto(parts, v.value, r3);
  }
  throw new TypeError('encodeReply: not a RESP value');
}

/**
 * Converts one complete RESP3 reply frame (as found by ReplyFramer) to RESP2 bytes, for
 * a RESP2 client served over a RESP3 backend connection. It decodes and re-encodes:
 * this is the rare path (RESP3 backends are only used when a client asked for RESP3),
 * so simplicity wins over speed. Frames that are already RESP2 types with no nested
 * RESP3 types come back unchanged (same bytes, no copy).
 */
export function downgradeReplyFrame(raw: Buffer, opts: EncodeReplyOptions = {}): Buffer {
  if (isPlainResp2(raw)) return raw;
  const value = new FrameParser({ attributes: 'drop' }).parse(raw);
  return encodeReply(value, 2, opts);
}

/** Cheap check for the common case: a top-level RESP2 scalar (no aggregates to inspect). */
function isPlainResp2(raw: Buffer): boolean {
  const t = raw[0];
  return t === 0x2b || t === 0x2d || t === 0x3a || (t === 0x24 && raw[1] !== 0x3f); // `$?` is a RESP3 streamed string
}
