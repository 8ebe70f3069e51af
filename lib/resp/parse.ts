/**
 * Builds JS values from ONE complete frame (as found by ReplyFramer). Because the frame
 * is complete and its structure already validated, this is a plain recursive descent
 * with no partial-input states. Bulk strings are zero-copy views into the frame.
 */
import {
  RespAttribute,
  RespBigNumber,
  RespDouble,
  RespError,
  RespMap,
  RespProtocolError,
  RespPush,
  RespSet,
  RespType as T,
  RespVerbatim,
  type RespValue,
} from './types';

const CR = 13;
const OPEN = -1;

export interface ParseOptions {
  /** 'wrap' (default) returns RespAttribute(attrs, value); 'drop' returns the bare value. */
  attributes?: 'wrap' | 'drop';
}

export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private readonly dropAttributes: boolean;

  constructor(opts: ParseOptions = {}) {
    this.dropAttributes = opts.attributes === 'drop';
  }

  /** Parses one complete frame; throws RespProtocolError if it is not exactly one frame. */
  parse(frame: Buffer): RespValue {
    this.buf = frame;
    this.pos = 0;
    const v = this.value();
    if (this.pos !== frame.length) throw new RespProtocolError('Protocol error: trailing bytes after frame');
    this.buf = EMPTY; // do not pin the frame
    return v;
  }

  /** Reads to the next CRLF; returns the index of the CR and moves past the LF. */
  private line(): number {
    const cr = this.buf.indexOf(CR, this.pos);
    if (cr === -1) throw new RespProtocolError('Protocol error: incomplete frame');
    this.pos = cr + 2;
    return cr;
  }

  private length(s: number, e: number): number {
    const b = this.buf;
    if (b[s] === 0x3f /* ? */ && e === s + 1) return OPEN;
    if (b[s] === 0x2d) {
      if (e === s + 2 && b[s + 1] === 0x31) return -2; // -1: null
      throw new RespProtocolError('Protocol error: invalid length');
    }
    let n = 0;
    for (let i = s; i < e; i++) {
      const d = b[i] - 0x30;
      if (d < 0 || d > 9) throw new RespProtocolError('Protocol error: invalid length');
      n = n * 10 + d;
    }
    return n;
  }

  private body(n: number): Buffer {
    const start = this.pos;
    const end = start + n;
    if (end + 2 > this.buf.length) throw new RespProtocolError('Protocol error: incomplete frame');
    this.pos = end + 2;
    return this.buf.subarray(start, end);
  }

  private value(): RespValue {
    const b = this.buf;
    const s = this.pos;
    const t = b[s];
    const e = this.line();
    switch (t) {
      case T.SimpleString:
        return b.toString('utf8', s + 1, e);
      case T.Error:
        return new RespError(b.toString('utf8', s + 1, e));
      case T.Integer:
        return parseInteger(b, s + 1, e);
      case T.Null:
        return null;
      case T.Boolean:
        return b[s + 1] === 0x74;
      case T.Double:
        return new RespDouble(parseDouble(b.toString('latin1', s + 1, e)));
      case T.BigNumber:
        return new RespBigNumber(BigInt(b.toString('latin1', s + 1, e)));
      case T.BulkString: {
        const n = this.length(s + 1, e);
        if (n === -2) return null;
        if (n === OPEN) return this.streamedString();
        return this.body(n);
      }
      case T.BlobError:
        return new RespError(this.body(this.length(s + 1, e)).toString('utf8'), true);
      case T.Verbatim: {
        const data = this.body(this.length(s + 1, e));
        return new RespVerbatim(data.toString('latin1', 0, 3), data.subarray(4));
      }
      case T.Array: {
        const n = this.length(s + 1, e);
        if (n === -2) return null;
        return this.items(n);
      }
      case T.Set:
        return new RespSet(this.items(this.length(s + 1, e)));
      case T.Push:
        return new RespPush(this.items(this.length(s + 1, e)));
      case T.Map:
        return this.map(this.length(s + 1, e));
      case T.Attribute: {
        const attrs = this.map(this.length(s + 1, e));
        const v = this.value();
        return this.dropAttributes ? v : new RespAttribute(attrs, v);
      }
      default:
        throw new RespProtocolError('Protocol error: invalid type byte');
    }
  }

  private items(n: number): RespValue[] {
    if (n === OPEN) {
      const out: RespValue[] = [];
      while (!this.atEnd()) out.push(this.value());
      return out;
    }
    // Preallocating is safe here: the frame is complete, so n elements really follow.
    const out = new Array<RespValue>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  private map(n: number): RespMap {
    const entries: Array<[RespValue, RespValue]> = [];
    if (n === OPEN) {
      while (!this.atEnd()) entries.push([this.value(), this.value()]);
    } else {
      for (let i = 0; i < n; i++) entries.push([this.value(), this.value()]);
    }
    return new RespMap(entries);
  }

  /** True (and consumes it) when the next line is the `.` that closes a streamed aggregate. */
  private atEnd(): boolean {
    if (this.buf[this.pos] === T.StreamEnd) {
      this.line();
      return true;
    }
    return false;
  }

  private streamedString(): Buffer {
    const parts: Buffer[] = [];
    for (;;) {
      const s = this.pos;
      if (this.buf[s] !== T.StreamChunk) throw new RespProtocolError("Protocol error: expected ';'");
      const e = this.line();
      const n = this.length(s + 1, e);
      if (n === 0) return parts.length === 1 ? parts[0] : Buffer.concat(parts);
      parts.push(this.body(n));
    }
  }
}

const EMPTY = Buffer.alloc(0);

/** Integers up to 15 digits are exact as numbers; longer ones go through BigInt. */
function parseInteger(b: Buffer, s: number, e: number): number | bigint {
  let i = s;
  let neg = false;
  if (b[i] === 0x2d) {
    neg = true;
    i++;
  } else if (b[i] === 0x2b) {
    i++;
  }
  if (e - i <= 15) {
    let n = 0;
    for (; i < e; i++) n = n * 10 + (b[i] - 0x30);
    return neg ? 0 - n : n; // 0 - 0 is +0, never -0
  }
  const big = BigInt(b.toString('latin1', s, e));
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

export function parseDouble(text: string): number {
  switch (text.toLowerCase()) {
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
    case '-nan':
      return NaN;
  }
  const n = Number(text);
  // Number() accepts "", "Infinity" and hex; RESP doubles are decimal only.
  if (Number.isNaN(n) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new RespProtocolError('Protocol error: invalid double');
  }
  return n;
}
