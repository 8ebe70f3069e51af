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

/**
 * One framed command. The framer REUSES one instance for every command it emits: read
 * what you need inside the callback, or call `snapshot()` to keep it. `raw` itself is
 * stable and may be kept (it is a view of the client's chunk, or a fresh concatenation).
 */
export class RespCommand {
  /** The command's bytes as received (or the multibulk form of an inline command). */
  raw: Buffer = Buffer.alloc(0);
  argc = 0;
  /** True when the client sent it inline; `raw` then is its multibulk encoding. */
  inline = false;
  /** [start, end) of argument i within `raw` at 2i, 2i+1. */
  offsets: Int32Array = new Int32Array(0);

  /** Argument i as a view of `raw` (no copy). */
  arg(i: number): Buffer {
    this.check(i);
    return this.raw.subarray(this.offsets[2 * i], this.offsets[2 * i + 1]);
  }

  argLength(i: number): number {
    this.check(i);
    return this.offsets[2 * i + 1] - this.offsets[2 * i];
  }

  argString(i: number, encoding: BufferEncoding = 'utf8'): string {
    this.check(i);
    return this.raw.toString(encoding, this.offsets[2 * i], this.offsets[2 * i + 1]);
  }

  /** ASCII case-insensitive comparison with a LOWER-CASE word, without allocating. */
  argEquals(i: number, lower: string): boolean {
    if (i < 0 || i >= this.argc) return false;
    const s = this.offsets[2 * i];
    const n = this.offsets[2 * i + 1] - s;
    if (n !== lower.length) return false;
    const raw = this.raw;
    for (let k = 0; k < n; k++) {
      let c = raw[s + k];
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

  /** An independent copy that stays valid after the callback returns. */
  snapshot(): RespCommand {
    const c = new RespCommand();
    c.raw = this.raw;
    c.argc = this.argc;
    c.inline = this.inline;
    c.offsets = this.offsets.slice(0, 2 * this.argc);
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
  /** Bytes of the current command from earlier chunks (views, concatenated once at the end). */
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

  /** Feeds client bytes; never throws for bad input (the error goes to onError once). */
  write(chunk: Buffer): void {
    if (this.failedFlag) return;
    const len = chunk.length;
    let pos = 0;
    let cmdStart = 0;

    while (pos < len) {
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
      const next = this.readLine(chunk, pos);
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
      const base = this.piecesLen - cmdStart; // absolute offset (within the command) of chunk[0]
      if (base + pos + n + 2 > this.limits.maxFrameBytes) return this.fail('Protocol error: command too big');
      if (2 * this.argi + 2 > this.offsets.length) this.growOffsets();
      this.offsets[2 * this.argi] = base + pos;
      this.offsets[2 * this.argi + 1] = base + pos + n;
      this.dataLeft = n;
      this.trailerLeft = 2;
      this.state = BODY;
    }

    if (this.inCommand && !this.failedFlag && cmdStart < len) {
      this.pieces.push(cmdStart === 0 ? chunk : chunk.subarray(cmdStart));
      this.piecesLen += len - cmdStart;
      if (this.piecesLen > this.limits.maxFrameBytes) this.fail('Protocol error: command too big');
    }
  }

  /**
   * Reads up to LF (a preceding CR is stripped and noted). Returns the position after the
   * LF, -1 when the line is incomplete (kept in `partial`), -2 after a failure.
   */
  private readLine(chunk: Buffer, pos: number): number {
    const limit = this.limits.maxInlineLength;
    const tooBig = this.state === IDLE
      ? (this.partial ? this.partial[0] : chunk[pos]) === 0x2a ? 'Protocol error: too big mbulk count string' : 'Protocol error: too big inline request'
      : 'Protocol error: too big bulk count string';
    const lf = chunk.indexOf(LF, pos);
    if (this.partial === null) {
      if (lf === -1) {
        if (chunk.length - pos > limit) return this.failed2(tooBig);
        this.partial = Buffer.from(chunk.subarray(pos));
        return -1;
      }
      if (lf - pos > limit + 1) return this.failed2(tooBig);
      this.lineBuf = chunk;
      this.lineStart = pos;
      this.lineEnd = lf;
    } else {
      const have = this.partial.length;
      if (lf === -1) {
        if (have + chunk.length - pos > limit) return this.failed2(tooBig);
        this.partial = Buffer.concat([this.partial, chunk.subarray(pos)]);
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
    let raw: Buffer;
    if (this.pieces.length === 0) {
      raw = chunk.subarray(cmdStart, end);
    } else {
      this.pieces.push(chunk.subarray(0, end));
      raw = Buffer.concat(this.pieces, this.piecesLen + end);
    }
    const cmd = this.cmd;
    cmd.raw = raw;
    cmd.argc = this.argc;
    cmd.inline = false;
    cmd.offsets = this.offsets;
    this.resetCommand();
    this.onCommand(cmd);
  }

  private emitInline(args: Buffer[]): void {
    while (2 * args.length > this.offsets.length) this.growOffsets();
    const cmd = this.cmd;
    cmd.raw = encodeArgsWithOffsets(args, this.offsets);
    cmd.argc = args.length;
    cmd.inline = true;
    cmd.offsets = this.offsets;
    this.resetCommand();
    this.onCommand(cmd);
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
