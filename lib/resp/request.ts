/**
 * RequestFramer: the proxy's client-side fast path. Fed client bytes, it emits complete
 * commands as their original bytes plus argument offsets, without materialising the
 * arguments. Accepts what redis-server accepts: multibulk (`*n` of `$len` bulks) and
 * inline commands (converted to multibulk so the proxy can always forward RESP).
 *
 * Error messages match redis-server's, so the proxy can reply to the client exactly as
 * Redis would (`-ERR Protocol error: ...`) before closing the connection.
 */
import { encodeArgsWithOffsets } from './encode';
import { splitInlineArgs } from './inline';
import { RespProtocolError, resolveLimits, type RespLimits } from './types';

const CR = 13;
const LF = 10;
const IDLE = 0;
const HEADER = 1;
const BODY = 2;
const INITIAL_ARGS = 32;
const EMPTY = Buffer.alloc(0);
/** Digits in a header count before the fast path leaves it to the general one. */
const FAST_MAX_DIGITS = 15;

/**
 * One framed command: bytes [start, end) of `buf`. The framer REUSES one instance for
 * every command it emits, and `buf` is the chunk passed to `write` (or a concatenation when
 * the command spanned chunks), which a caller may reuse after `write` returns (the interlay
 * reads into one shared buffer): read what you need inside the callback, or call
 * `snapshot()`, which copies.
 */
export class RespCommand {
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  argc = 0;
  /** True when the client sent it inline; the bytes then are its multibulk encoding. */
  inline = false;
  /** [start, end) of argument i relative to `start`, at 2i, 2i+1. */
  offsets: Int32Array = new Int32Array(0);
  private rawView: Buffer | null = null;

  /** The command's bytes as received (or the multibulk form of an inline command). A view, made on first use. */
  get raw(): Buffer {
    if (this.rawView === null) {
      const b = this.buf;
      this.rawView = this.start === 0 && this.end === b.length ? b : b.subarray(this.start, this.end);
    }
    return this.rawView;
  }

  /** Points this command at new bytes (framer use). */
  set(buf: Buffer, start: number, end: number, argc: number, inline: boolean, offsets: Int32Array): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.argc = argc;
    this.inline = inline;
    this.offsets = offsets;
    this.rawView = null;
  }

  /** Argument i as a view of the command's bytes (no copy). */
  arg(i: number): Buffer {
    this.check(i);
    return this.buf.subarray(this.start + this.offsets[2 * i], this.start + this.offsets[2 * i + 1]);
  }

  argLength(i: number): number {
    this.check(i);
    return this.offsets[2 * i + 1] - this.offsets[2 * i];
  }

  argString(i: number, encoding: BufferEncoding = 'utf8'): string {
    this.check(i);
    return this.buf.toString(encoding, this.start + this.offsets[2 * i], this.start + this.offsets[2 * i + 1]);
  }

  /** ASCII case-insensitive comparison with a LOWER-CASE word, without allocating. */
  argEquals(i: number, lower: string): boolean {
    if (i < 0 || i >= this.argc) return false;
    const s = this.start + this.offsets[2 * i];
    const n = this.start + this.offsets[2 * i + 1] - s;
    if (n !== lower.length) return false;
    const buf = this.buf;
    for (let k = 0; k < n; k++) {
      let c = buf[s + k];
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (c !== lower.charCodeAt(k)) return false;
    }
    return true;
  }

  /** The command name in lower case (`get`, `client`...). */
  name(): string {
    return this.argc === 0 ? '' : this.argString(0, 'latin1').toLowerCase();
  }

  /** All arguments as Buffers (allocates; for slow paths and tests). */
  args(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = 0; i < this.argc; i++) out.push(this.arg(i));
    return out;
  }

  /** An independent copy (bytes included) that stays valid after the callback returns. */
  snapshot(): RespCommand {
    const c = new RespCommand();
    const bytes = Buffer.from(this.buf.subarray(this.start, this.end));
    c.set(bytes, 0, bytes.length, this.argc, this.inline, this.offsets.slice(0, 2 * this.argc));
    return c;
  }

  private check(i: number): void {
    if (i < 0 || i >= this.argc) throw new RangeError(`argument ${i} out of range (argc ${this.argc})`);
  }
}

export type CommandCallback = (cmd: RespCommand) => void;

export class RequestFramer {
  private readonly limits: RespLimits;
  private failedFlag = false;
  private readonly cmd = new RespCommand();

  private state = IDLE;
  private argc = 0;
  private argi = 0;
  private offsets = new Int32Array(2 * INITIAL_ARGS);
  private dataLeft = 0;
  private trailerLeft = 0;
  /** Bytes of the current command from earlier chunks (copies, concatenated once at the end). */
  private pieces: Buffer[] = [];
  private piecesLen = 0;
  private inCommand = false;
  /** Part of a line split across chunks (copied; bounded by maxInlineLength). */
  private partial: Buffer | null = null;
  // The line just read: [lineStart, lineEnd) of lineBuf, without CR/LF.
  private lineBuf: Buffer = Buffer.alloc(0);
  private lineStart = 0;
  private lineEnd = 0;
  private lineHadCR = false;

  constructor(
    private readonly onCommand: CommandCallback,
    private readonly onError: (err: RespProtocolError) => void,
    limits?: Partial<RespLimits>,
  ) {
    this.limits = resolveLimits(limits);
  }

  get failed(): boolean {
    return this.failedFlag;
  }

  /** Bytes held back waiting for the rest of a command. */
  get bufferedBytes(): number {
    return this.piecesLen + (this.partial?.length ?? 0);
  }

  /** Forgets any partial command and a previous failure. */
  reset(): void {
    this.failedFlag = false;
    this.partial = null;
    this.dataLeft = 0;
    this.trailerLeft = 0;
    this.resetCommand();
  }

  /**
   * Feeds client bytes chunk[start, end); never throws for bad input (the error goes to
   * onError once). Nothing of the chunk is kept after this returns.
   */
  write(chunk: Buffer, start = 0, end = chunk.length): void {
    if (this.failedFlag) return;
    const len = end;
    let pos = start;
    // Where the current command starts; `start` when it began in an earlier chunk.
    let cmdStart = start;

    while (pos < len) {
      if (this.state === IDLE && !this.inCommand && this.partial === null) {
        const next = this.fastCommand(chunk, pos, len);
        if (next > 0) {
          if (this.failedFlag) return;
          pos = next;
          continue;
        }
      }
      if (this.state === BODY) {
        if (this.dataLeft > 0) {
          const take = Math.min(this.dataLeft, len - pos);
          pos += take;
          this.dataLeft -= take;
          if (this.dataLeft > 0) break;
        }
        while (this.trailerLeft > 0 && pos < len) {
          if (chunk[pos] !== (this.trailerLeft === 2 ? CR : LF)) return this.fail('Protocol error: expected CRLF after bulk argument');
          pos++;
          this.trailerLeft--;
        }
        if (this.trailerLeft > 0) break;
        if (++this.argi === this.argc) {
          this.emitMultibulk(chunk, cmdStart, pos);
          cmdStart = pos;
        } else {
          this.state = HEADER;
        }
        continue;
      }

      if (!this.inCommand) {
        this.inCommand = true;
        cmdStart = pos;
      }
      const next = this.readLine(chunk, pos, len);
      if (next < 0) {
        if (next === -2) return;
        pos = len;
        break;
      }
      pos = next;
      const b = this.lineBuf;
      const s = this.lineStart;
      const e = this.lineEnd;

      if (this.state === IDLE) {
        if (b[s] !== 0x2a /* * */) {
          // Inline command (Redis: anything not starting with '*').
          const args = e > s ? splitInlineArgs(b, s, e) : [];
          if (args === null) return this.fail('Protocol error: unbalanced quotes in request');
          if (args.length > 0) this.emitInline(args);
          else this.resetCommand();
          cmdStart = pos;
          continue;
        }
        if (!this.lineHadCR) return this.fail('Protocol error: expected CRLF');
        const n = parseCount(b, s + 1, e);
        if (n === null || n > this.limits.maxAggregateLength) return this.fail('Protocol error: invalid multibulk length');
        if (n <= 0) {
          // Redis silently skips empty / null multibulks.
          this.resetCommand();
          cmdStart = pos;
          continue;
        }
        this.argc = n;
        this.argi = 0;
        this.state = HEADER;
        continue;
      }

      // HEADER: `$len` of argument argi.
      if (b[s] !== 0x24 /* $ */) {
        return this.fail(`Protocol error: expected '$', got '${String.fromCharCode(b[s] ?? 0x20)}'`);
      }
      if (!this.lineHadCR) return this.fail('Protocol error: expected CRLF');
      const n = parseCount(b, s + 1, e);
      if (n === null || n < 0 || n > this.limits.maxBulkLength) return this.fail('Protocol error: invalid bulk length');
      const base = this.piecesLen - cmdStart; // chunk[p] is byte base + p of the command
      if (base + pos + n + 2 > this.limits.maxFrameBytes) return this.fail('Protocol error: command too big');
      if (2 * this.argi + 2 > this.offsets.length) this.growOffsets();
      this.offsets[2 * this.argi] = base + pos;
      this.offsets[2 * this.argi + 1] = base + pos + n;
      this.dataLeft = n;
      this.trailerLeft = 2;
      this.state = BODY;
    }

    if (this.inCommand && !this.failedFlag && cmdStart < len) {
      // Copied: the caller may reuse its chunk once write returns.
      this.pieces.push(Buffer.from(chunk.subarray(cmdStart, len)));
      this.piecesLen += len - cmdStart;
      if (this.piecesLen > this.limits.maxFrameBytes) this.fail('Protocol error: command too big');
    }
  }

  /**
   * Reads up to LF (a preceding CR is stripped and noted). Returns the position after the
   * LF, -1 when the line is incomplete (kept in `partial`), -2 after a failure.
   */
  private readLine(chunk: Buffer, pos: number, end: number): number {
    const limit = this.limits.maxInlineLength;
    const tooBig = this.state === IDLE
      ? (this.partial ? this.partial[0] : chunk[pos]) === 0x2a ? 'Protocol error: too big mbulk count string' : 'Protocol error: too big inline request'
      : 'Protocol error: too big bulk count string';
    let lf = chunk.indexOf(LF, pos);
    if (lf >= end) lf = -1;
    if (this.partial === null) {
      if (lf === -1) {
        if (end - pos > limit) return this.failed2(tooBig);
        this.partial = Buffer.from(chunk.subarray(pos, end));
        return -1;
      }
      if (lf - pos > limit + 1) return this.failed2(tooBig);
      this.lineBuf = chunk;
      this.lineStart = pos;
      this.lineEnd = lf;
    } else {
      const have = this.partial.length;
      if (lf === -1) {
        if (have + end - pos > limit) return this.failed2(tooBig);
        this.partial = Buffer.concat([this.partial, chunk.subarray(pos, end)]);
        return -1;
      }
      if (have + lf - pos > limit + 1) return this.failed2(tooBig);
      this.lineBuf = Buffer.concat([this.partial, chunk.subarray(pos, lf)]);
      this.lineStart = 0;
      this.lineEnd = this.lineBuf.length;
      this.partial = null;
    }
    this.lineHadCR = this.lineEnd > this.lineStart && this.lineBuf[this.lineEnd - 1] === CR;
    if (this.lineHadCR) this.lineEnd--;
    return lf + 1;
  }

  private failed2(message: string): number {
    this.fail(message);
    return -2;
  }

  private growOffsets(): void {
    const bigger = new Int32Array(this.offsets.length * 2);
    bigger.set(this.offsets);
    this.offsets = bigger;
  }

  private emitMultibulk(chunk: Buffer, cmdStart: number, end: number): void {
    const cmd = this.cmd;
    if (this.pieces.length === 0) {
      cmd.set(chunk, cmdStart, end, this.argc, false, this.offsets);
    } else {
      // The command began in an earlier chunk: this chunk's part starts at the write's start.
      this.pieces.push(chunk.subarray(cmdStart, end));
      const raw = Buffer.concat(this.pieces, this.piecesLen + end - cmdStart);
      cmd.set(raw, 0, raw.length, this.argc, false, this.offsets);
    }
    this.resetCommand();
    this.onCommand(cmd);
  }

  private emitInline(args: Buffer[]): void {
    while (2 * args.length > this.offsets.length) this.growOffsets();
    const raw = encodeArgsWithOffsets(args, this.offsets);
    this.cmd.set(raw, 0, raw.length, args.length, true, this.offsets);
    this.resetCommand();
    this.onCommand(this.cmd);
  }

  /**
   * The fast path: a whole well-formed multibulk command at chunk[pos]. Parses the header
   * counts digit by digit (no line search, no views) and emits it; returns the position
   * after it, or -1 to leave everything to the general state machine (an incomplete
   * command, an inline one, anything unusual or invalid: that path has the exact errors).
   */
  private fastCommand(chunk: Buffer, pos: number, len: number): number {
    if (chunk[pos] !== 0x2a /* * */) return -1;
    let p = pos + 1;
    let argc = 0;
    let digits = 0;
    let c = 0;
    while (p < len && (c = chunk[p] - 0x30) >= 0 && c <= 9) {
      argc = argc * 10 + c;
      p++;
      digits++;
    }
    if (digits === 0 || digits > FAST_MAX_DIGITS || argc === 0 || argc > this.limits.maxAggregateLength) return -1;
    if (p + 1 >= len || chunk[p] !== CR || chunk[p + 1] !== LF) return -1;
    p += 2;
    // Each argument takes at least 6 bytes (`$0\r\n\r\n`): a count the chunk cannot hold
    // goes to the general path, so the offset table never grows ahead of real data.
    if (argc * 6 > len - p) return -1;
    const maxBulk = this.limits.maxBulkLength;
    const maxEnd = pos + this.limits.maxFrameBytes;
    while (2 * argc > this.offsets.length) this.growOffsets();
    const offsets = this.offsets;
    for (let i = 0; i < argc; i++) {
      if (p >= len || chunk[p] !== 0x24 /* $ */) return -1;
      p++;
      let n = 0;
      digits = 0;
      while (p < len && (c = chunk[p] - 0x30) >= 0 && c <= 9) {
        n = n * 10 + c;
        p++;
        digits++;
      }
      if (digits === 0 || digits > FAST_MAX_DIGITS || n > maxBulk) return -1;
      if (p + 1 >= len || chunk[p] !== CR || chunk[p + 1] !== LF) return -1;
      p += 2;
      const argEnd = p + n;
      if (argEnd + 2 > len || argEnd + 2 > maxEnd) return -1;
      if (chunk[argEnd] !== CR || chunk[argEnd + 1] !== LF) return -1;
      offsets[2 * i] = p - pos;
      offsets[2 * i + 1] = argEnd - pos;
      p = argEnd + 2;
    }
    this.cmd.set(chunk, pos, p, argc, false, offsets);
    this.onCommand(this.cmd);
    if (this.offsets.length > 2 * 65536) this.offsets = new Int32Array(2 * INITIAL_ARGS);
    return p;
  }

  private resetCommand(): void {
    this.state = IDLE;
    this.inCommand = false;
    this.argc = 0;
    this.argi = 0;
    if (this.pieces.length) {
      this.pieces = [];
      this.piecesLen = 0;
    }
    // Do not keep a huge offsets table alive because one command had many arguments.
    if (this.offsets.length > 2 * 65536) this.offsets = new Int32Array(2 * INITIAL_ARGS);
  }

  private fail(message: string): void {
    if (this.failedFlag) return;
    this.failedFlag = true;
    this.pieces = [];
    this.piecesLen = 0;
    this.partial = null;
    this.onError(new RespProtocolError(message));
  }
}

/** A decimal count, possibly negative (Redis accepts `*-1` / `*0`). Null when malformed. */
function parseCount(b: Buffer, s: number, e: number): number | null {
  let neg = false;
  if (s < e && b[s] === 0x2d) {
    neg = true;
    s++;
  }
  if (s >= e || e - s > 15) return null;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}
