/**
 * ReplyFramer: finds the boundaries of complete RESP2/RESP3 frames in a byte stream
 * without building JS values. The proxy uses it on the backend side to forward each
 * reply's original bytes; the value decoder uses it first and parses only complete
 * frames (so the value parser never deals with partial input).
 *
 * Supports every RESP3 type, nested aggregates, attributes (kept in the same frame as
 * the value they annotate), push frames, streamed strings (`$?` + `;n` chunks) and
 * streamed aggregates (`*?` ... `.`).
 *
 * Cost model: a frame that sits inside one chunk is emitted as a range of that chunk
 * (`buf, start, end`: no copy, not even a view object, so a proxy can merge consecutive
 * frames into one write). A frame split over chunks keeps copies of its pieces and is
 * concatenated once when complete. Bulk bodies are skipped by length, not scanned.
 * `frameViews` adapts a `(raw, type)` callback for callers that want one Buffer per frame.
 *
 * The framer keeps no reference to a chunk after `write` returns, so a caller may read
 * into the same buffer again (the interlay does); an emitted range of the chunk is then
 * valid only during the callback, a concatenated frame for good.
 */
import { RespProtocolError, RespType as T, resolveLimits, type RespLimits } from './types';

const CR = 13;
const LF = 10;
/** Marks a stack level that is a streamed string (`$?`): only `;n` chunks may follow. */
const STREAM_STRING = -2;
/** `remaining` of a streamed aggregate: open until `.`. */
const OPEN = -1;

/** A complete frame: bytes [start, end) of buf; `type` is its (first non-attribute) type byte. */
export type FrameCallback = (buf: Buffer, start: number, end: number, type: number) => void;

/** A FrameCallback that hands each frame over as its own Buffer (a view, not a copy). */
export function frameViews(onFrame: (raw: Buffer, type: number) => void): FrameCallback {
  return (buf, start, end, type) => onFrame(start === 0 && end === buf.length ? buf : buf.subarray(start, end), type);
}
export type ErrorCallback = (err: RespProtocolError) => void;

export interface ReplyFramerOptions {
  /**
   * The peer is a Redis server, whose replies are legitimate whatever they contain (a
   * script may return a table nested thousands deep, a RESP3 big number with spaces in
   * it, an error line of megabytes). Only the framing is checked: type bytes, lengths,
   * CRLFs. Depth, element counts and bulk lengths are bounded by `maxFrameBytes` alone,
   * and scalar lines are not validated. Untrusted peers (clients, tests) keep every limit.
   */
  trusted?: boolean;
  /**
   * With `trusted`: a frame that grows beyond `maxFrameBytes` is not a broken stream, only
   * a reply too big to hold. Its bytes are dropped as they arrive (framing continues) and,
   * once it ends, this is called instead of `onFrame`, so the caller fails the one request
   * it answers and the connection carries on. Without it, such a frame is a protocol error.
   */
  onOversize?: (type: number, bytes: number) => void;
}

export class ReplyFramer {
  private readonly limits: RespLimits;
  private readonly trusted: boolean;
  private readonly onOversize: ((type: number, bytes: number) => void) | undefined;
  private failedFlag = false;
  /** The current frame outgrew maxFrameBytes (trusted + onOversize): its bytes are dropped. */
  private discarding = false;
  private discardedBytes = 0;

  // Frame assembly: pieces of the current frame seen in earlier chunks.
  private pieces: Buffer[] = [];
  private piecesLen = 0;
  private inFrame = false;
  /** Type byte of the top-level value of the frame (after any attributes). */
  private frameType = 0;

  // Parse state, carried across chunks.
  private depth = 0;
  /** Per level: elements still expected (maps count keys and values), or OPEN. */
  private readonly remaining: number[] = [];
  /** Per level: the aggregate's type byte, or STREAM_STRING. */
  private readonly kinds: number[] = [];
  /** Bulk body bytes still to skip, then the two trailer bytes (CR LF) to verify. */
  private dataLeft = 0;
  private trailerLeft = 0;
  /** True while the body being skipped is a streamed-string chunk, not a value. */
  private bodyIsChunk = false;
  private streamedTotal = 0;
  /** Bytes of a line split across chunks (copied: at most maxLineLength). */
  private partial: Buffer | null = null;
  /** Bytes of the current frame up to the end of the line being handled. */
  private frameOffset = 0;

  constructor(
    private readonly onFrame: FrameCallback,
    private readonly onError: ErrorCallback,
    limits?: Partial<RespLimits>,
    options: ReplyFramerOptions = {},
  ) {
    this.limits = resolveLimits(limits);
    this.trusted = options.trusted === true;
    this.onOversize = this.trusted ? options.onOversize : undefined;
    if (this.trusted) {
      // Bounded by the frame size only (see ReplyFramerOptions.trusted).
      const m = this.limits.maxFrameBytes;
      this.limits = { ...this.limits, maxBulkLength: m, maxAggregateLength: m, maxDepth: Number.MAX_SAFE_INTEGER, maxLineLength: m };
    }
  }

  get failed(): boolean {
    return this.failedFlag;
  }

  /** Bytes held back waiting for the rest of a frame (for tests and metrics). */
  get bufferedBytes(): number {
    return this.piecesLen + (this.partial?.length ?? 0);
  }

  /** Forgets any partial frame and a previous failure (e.g. when a connection is reused). */
  reset(): void {
    this.failedFlag = false;
    this.pieces = [];
    this.piecesLen = 0;
    this.inFrame = false;
    this.frameType = 0;
    this.depth = 0;
    this.dataLeft = 0;
    this.trailerLeft = 0;
    this.bodyIsChunk = false;
    this.streamedTotal = 0;
    this.partial = null;
    this.discarding = false;
    this.discardedBytes = 0;
  }

  /** Stops the framer without reporting (the caller reports its own error); see `failed`. */
  stop(): void {
    this.failedFlag = true;
    this.pieces = [];
    this.piecesLen = 0;
    this.partial = null;
  }

  /**
   * Feeds chunk[start, end). Complete frames go to `onFrame` synchronously; a protocol
   * violation goes to `onError` once and every later write is ignored. Never throws for
   * bad input.
   */
  write(chunk: Buffer, start = 0, end = chunk.length): void {
    if (this.failedFlag) return;
    const len = end;
    let pos = start;
    // Where the current frame starts in this chunk; `start` when it began in an earlier chunk.
    let frameStart = start;

    while (pos < len) {
      if (this.dataLeft > 0 || this.trailerLeft > 0) {
        if (this.dataLeft > 0) {
          const take = Math.min(this.dataLeft, len - pos);
          pos += take;
          this.dataLeft -= take;
          if (this.dataLeft > 0) break;
        }
        while (this.trailerLeft > 0 && pos < len) {
          if (chunk[pos] !== (this.trailerLeft === 2 ? CR : LF)) {
            return this.fail('Protocol error: expected CRLF after bulk string');
          }
          pos++;
          this.trailerLeft--;
        }
        if (this.trailerLeft > 0) break;
        if (this.bodyIsChunk) {
          this.bodyIsChunk = false;
          continue;
        }
        if (this.valueDone(false)) {
          this.emit(chunk, frameStart, pos);
          if (this.failedFlag) return; // stopped from the callback
          frameStart = pos;
        }
        continue;
      }

      if (!this.inFrame) {
        this.inFrame = true;
        frameStart = pos;
      }

      // Read one line: [lineStart, lineEnd) in lineBuf, next byte after CRLF at `next`.
      let lineBuf: Buffer;
      let lineStart: number;
      let lineEnd: number;
      if (this.partial === null) {
        const cr = chunk.indexOf(CR, pos);
        if (cr === -1 || cr + 1 >= len) {
          if (!this.stashPartial(chunk.subarray(pos, len))) return;
          pos = len;
          break;
        }
        if (chunk[cr + 1] !== LF) return this.fail('Protocol error: expected CRLF');
        if (cr - pos > this.limits.maxLineLength) return this.fail('Protocol error: too big line');
        lineBuf = chunk;
        lineStart = pos;
        lineEnd = cr;
        pos = cr + 2;
      } else {
        // Rare path: the line began in an earlier chunk. Join at most what the limit allows.
        const prev = this.partial;
        const room = this.limits.maxLineLength + 2 - prev.length;
        const joined = Buffer.concat([prev, chunk.subarray(pos, Math.min(len, pos + room))]);
        const cr = joined.indexOf(CR, Math.max(0, prev.length - 1));
        if (cr === -1 || cr + 1 >= joined.length) {
          this.partial = null;
          if (!this.stashPartial(joined)) return;
          pos = len;
          break;
        }
        if (joined[cr + 1] !== LF) return this.fail('Protocol error: expected CRLF');
        this.partial = null;
        lineBuf = joined;
        lineStart = 0;
        lineEnd = cr;
        pos += cr + 2 - prev.length;
      }

      // Frame size so far, whatever the chunking (so limits do not depend on it).
      this.frameOffset = this.discardedBytes + this.piecesLen + pos - frameStart;
      if (this.frameOffset > this.limits.maxFrameBytes && !this.tooBig()) return;
      if (this.handleLine(lineBuf, lineStart, lineEnd)) {
        this.emit(chunk, frameStart, pos);
        frameStart = pos;
      }
      if (this.failedFlag) return;
    }

    if (this.inFrame && !this.failedFlag) {
      if (this.discarding) {
        this.discardedBytes += len - frameStart;
        return;
      }
      // Keep a copy of this chunk's share of the unfinished frame: the caller may reuse its chunk.
      if (frameStart < len) {
        this.pieces.push(Buffer.from(chunk.subarray(frameStart, len)));
        this.piecesLen += len - frameStart;
      }
      if (this.piecesLen > this.limits.maxFrameBytes && this.tooBig()) {
        this.discardedBytes += this.piecesLen;
        this.pieces = [];
        this.piecesLen = 0;
      }
    }
  }

  /**
   * The current frame is over maxFrameBytes: with an oversize handler, drop its bytes from
   * now on (returns true, parsing goes on); otherwise a protocol error (returns false).
   */
  private tooBig(): boolean {
    if (this.onOversize === undefined) {
      this.fail('Protocol error: frame too big');
      return false;
    }
    if (!this.discarding) {
      this.discarding = true;
      this.discardedBytes += this.piecesLen;
      this.pieces = [];
      this.piecesLen = 0;
    }
    return true;
  }

  private stashPartial(bytes: Buffer): boolean {
    if (bytes.length > this.limits.maxLineLength + 1) {
      this.fail('Protocol error: too big line');
      return false;
    }
    // Copy: the line is tiny and must not pin the chunk it came in.
    this.partial = Buffer.from(bytes);
    return true;
  }

  private emit(chunk: Buffer, frameStart: number, end: number): void {
    const type = this.frameType;
    this.inFrame = false;
    this.frameType = 0;
    if (this.discarding) {
      const bytes = this.discardedBytes + end - frameStart;
      this.discarding = false;
      this.discardedBytes = 0;
      this.onOversize!(type, bytes);
      return;
    }
    if (this.pieces.length === 0) {
      this.onFrame(chunk, frameStart, end, type);
      return;
    }
    // The frame began in an earlier chunk: this chunk's part starts at the write's start.
    this.pieces.push(chunk.subarray(frameStart, end));
    const raw = Buffer.concat(this.pieces, this.piecesLen + end - frameStart);
    this.pieces = [];
    this.piecesLen = 0;
    this.onFrame(raw, 0, raw.length, type);
  }

  private fail(message: string): void {
    if (this.failedFlag) return;
    this.failedFlag = true;
    this.pieces = [];
    this.piecesLen = 0;
    this.partial = null;
    this.onError(new RespProtocolError(message));
  }

  /** Handles one header or simple line; returns true when a top-level frame completed. */
  private handleLine(buf: Buffer, s: number, e: number): boolean {
    if (e === s) {
      this.fail('Protocol error: empty line');
      return false;
    }
    const t = buf[s];
    const top = this.depth - 1;

    if (top >= 0 && this.kinds[top] === STREAM_STRING) {
      if (t !== T.StreamChunk) {
        this.fail(`Protocol error: expected ';' in streamed string, got ${show(t)}`);
        return false;
      }
      const n = parseLength(buf, s + 1, e);
      if (n < 0) {
        this.fail('Protocol error: invalid streamed string chunk length');
        return false;
      }
      if (n === 0) {
        this.depth--;
        return this.valueDone(false);
      }
      this.streamedTotal += n;
      if (this.streamedTotal > this.limits.maxBulkLength) {
        this.fail('Protocol error: invalid bulk length');
        return false;
      }
      this.dataLeft = n;
      this.trailerLeft = 2;
      this.bodyIsChunk = true;
      return false;
    }

    if (this.depth === 0) this.frameType = t;

    switch (t) {
      case T.SimpleString:
      case T.Error:
        return this.valueDone(false);
      case T.Integer:
      case T.BigNumber:
        if (!this.trusted && !isInteger(buf, s + 1, e)) {
          this.fail(t === T.Integer ? 'Protocol error: invalid integer' : 'Protocol error: invalid big number');
          return false;
        }
        return this.valueDone(false);
      case T.Null:
        if (!this.trusted && e !== s + 1) {
          this.fail('Protocol error: invalid null');
          return false;
        }
        return this.valueDone(false);
      case T.Boolean:
        if (!this.trusted && (e !== s + 2 || (buf[s + 1] !== 0x74 && buf[s + 1] !== 0x66))) {
          this.fail('Protocol error: invalid boolean');
          return false;
        }
        return this.valueDone(false);
      case T.Double:
        if (!this.trusted && !isDoubleText(buf, s + 1, e)) {
          this.fail('Protocol error: invalid double');
          return false;
        }
        return this.valueDone(false);
      case T.BulkString:
      case T.BlobError:
      case T.Verbatim: {
        if (t === T.BulkString && e === s + 2 && buf[s + 1] === 0x3f /* ? */) {
          if (!this.push(STREAM_STRING, OPEN)) return false;
          this.streamedTotal = 0;
          return false;
        }
        const n = parseLength(buf, s + 1, e);
        if (n === -1 && t === T.BulkString) return this.valueDone(false);
        if (n < 0 || n > this.limits.maxBulkLength || (t === T.Verbatim && n < 4)) {
          this.fail('Protocol error: invalid bulk length');
          return false;
        }
        if (this.frameOffset + n + 2 > this.limits.maxFrameBytes && !this.tooBig()) return false;
        this.dataLeft = n;
        this.trailerLeft = 2;
        return false;
      }
      case T.Array:
      case T.Set:
      case T.Push:
      case T.Map:
      case T.Attribute: {
        if (e === s + 2 && buf[s + 1] === 0x3f /* ? */) {
          this.push(t, OPEN);
          return false;
        }
        const n = parseLength(buf, s + 1, e);
        if (n === -1 && t === T.Array) return this.valueDone(false);
        if (n < 0 || n > this.limits.maxAggregateLength) {
          this.fail('Protocol error: invalid multibulk length');
          return false;
        }
        if (n === 0) return this.valueDone(t === T.Attribute);
        this.push(t, t === T.Map || t === T.Attribute ? n * 2 : n);
        return false;
      }
      case T.StreamEnd: {
        if (top < 0 || this.remaining[top] !== OPEN || e !== s + 1) {
          this.fail("Protocol error: unexpected '.'");
          return false;
        }
        const kind = this.kinds[top];
        this.depth--;
        return this.valueDone(kind === T.Attribute);
      }
      default:
        this.fail(`Protocol error: invalid type byte ${show(t)}`);
        return false;
    }
  }

  private push(kind: number, remaining: number): boolean {
    if (this.depth >= this.limits.maxDepth) {
      this.fail('Protocol error: nesting too deep');
      return false;
    }
    this.kinds[this.depth] = kind;
    this.remaining[this.depth] = remaining;
    this.depth++;
    return true;
  }

  /**
   * A value (or an attribute, which does not count as an element) just completed at the
   * current depth. Closes every aggregate it completes; true when the frame is done.
   */
  private valueDone(isAttribute: boolean): boolean {
    for (;;) {
      if (this.depth === 0) return !isAttribute;
      if (isAttribute) return false;
      const lvl = this.depth - 1;
      if (this.remaining[lvl] === OPEN) return false;
      if (--this.remaining[lvl] > 0) return false;
      isAttribute = this.kinds[lvl] === T.Attribute;
      this.depth--;
    }
  }
}

function show(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Parses a non-negative decimal length, or exactly "-1". Returns -2 for anything else.
 * Lengths never exceed 2^53, so 15 digits are plenty and keep the arithmetic exact.
 */
export function parseLength(buf: Buffer, s: number, e: number): number {
  if (e <= s) return -2;
  if (buf[s] === 0x2d) return e === s + 2 && buf[s + 1] === 0x31 ? -1 : -2;
  if (e - s > 15) return -2;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return -2;
    n = n * 10 + d;
  }
  return n;
}

function isInteger(buf: Buffer, s: number, e: number): boolean {
  if (s < e && (buf[s] === 0x2d || buf[s] === 0x2b)) s++;
  if (s >= e) return false;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return false;
  }
  return true;
}

/** Cheap shape check; the value parser does the exact conversion. */
function isDoubleText(buf: Buffer, s: number, e: number): boolean {
  if (s >= e) return false;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    // digits . + - e E, and the letters of inf / nan in either case
    if (!((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x65 || c === 0x45 ||
      c === 0x69 || c === 0x49 || c === 0x6e || c === 0x4e || c === 0x66 || c === 0x46 || c === 0x61 || c === 0x41)) {
      return false;
    }
  }
  return true;
}
