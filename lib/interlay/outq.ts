/**
 * OutQueue: the bytes gathered for one socket until its next flush, written with one write
 * (a writev only when a very large frame is queued by reference).
 *
 * What gets queued are mostly ranges of a *transient* read buffer: the interlay reads every
 * socket into one shared buffer (io.ts), so whatever must outlive the read callback is
 * copied. `pushRange` only records a run [start, end) and extends it while the next range
 * follows back to back (a client's pipelined commands, or its consecutive replies, sit next
 * to each other in a read); the run is copied into the queue's own buffer once: when a
 * range that does not follow arrives, at `seal()`, or before a write. Every read callback
 * ends with `sealOpenRuns()`, which seals each queue that still has a run open.
 *
 * A range longer than TRANSIENT_MAX cannot lie in a read buffer (those are that big at
 * most): it is a frame a framer assembled from several reads, or a reply built here, owned
 * by nobody else and never changed, so it is queued by reference instead of copied.
 *
 * Buffers: a queue writes from buffers it owns and reuses them only when the socket took
 * the write at once (`writableLength === 0` afterwards); otherwise Node still holds them
 * and they are left to it. A socket that is already backed up gets exact copies instead,
 * so a slow reader's backlog costs its bytes, not a buffer per write. Client queues hand
 * their buffer back to a small shared pool after each flush, so idle clients hold none;
 * backend queues (`keep`) keep theirs and grow it to the size of a turn's batch, so a
 * batch is one contiguous write.
 */
import type net from 'node:net';

/** The largest read buffer (io.ts): a range longer than this was never in one. */
export const TRANSIENT_MAX = 64 * 1024;

/** Client queues copy into pooled buffers of this size (bigger needs get their own). */
const POOL_BUF = 32 * 1024;
const POOL_MAX = 64;
const pool: Buffer[] = [];

/** Backend queues start here and double as batches need, up to KEEP_MAX kept for reuse. */
const KEEP_INITIAL = 64 * 1024;
const KEEP_MAX = 8 * 1024 * 1024;

/** Below this many bytes a JS loop copies faster than a native Buffer#copy call. */
const LOOP_COPY_MAX = 48;

/**
 * Queues with a run open on (possibly) transient bytes; sealed at the end of every read.
 * (Hot arrays here keep a count instead of setting `length`: that store is a runtime call.)
 */
const openRuns: (OutQueue | null)[] = [];
let openCount = 0;

/** Copies every open run into its queue's own buffer (call before a read buffer is reused). */
export function sealOpenRuns(): void {
  for (let i = 0; i < openCount; i++) {
    const q = openRuns[i]!;
    openRuns[i] = null;
    q.listed = false;
    q.seal();
  }
  openCount = 0;
}

export class OutQueue {
  /** Bytes queued (including the open run). */
  length = 0;
  /** Whether the queue is in `openRuns` (internal to this module). */
  listed = false;

  // The open run: [runStart, runEnd) of runBuf, extended while ranges of it follow back to back.
  private runBuf: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  // Copy target: cur[0, used) holds copied bytes; [segStart, used) is not in `segs` yet.
  private cur: Buffer | null = null;
  private used = 0;
  private segStart = 0;
  /** What goes out, in order: parts of own buffers and referenced large frames (segs[0, nsegs)). */
  private readonly segs: (Buffer | null)[] = [];
  private nsegs = 0;
  /** Per segment: a large frame queued by reference (not in one of our buffers). */
  private readonly referenced: boolean[] = [];
  /** Own buffers filled earlier in this batch (recycled with `cur`). */
  private readonly spent: Buffer[] = [];
  /** The last view made of [0, n) of a buffer, and that buffer (see closeSegment). */
  private lastView: Buffer | null = null;
  private lastViewOf: Buffer | null = null;
  /** `keep` queues: the size to allocate when starting a batch without a buffer. */
  private keepSize = KEEP_INITIAL;

  /** `keep`: keep and grow one buffer (a backend conn); otherwise borrow from the pool (a client). */
  constructor(private readonly keep = false) {}

  push(b: Buffer): void {
    this.pushRange(b, 0, b.length);
  }

  /** Queues buf[start, end). The bytes may be transient: they are copied by the next seal. */
  pushRange(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.length += n;
    if (this.runBuf !== null) {
      if (buf === this.runBuf && start === this.runEnd) {
        this.runEnd = end;
        return;
      }
      this.seal();
    }
    if (n > TRANSIENT_MAX) {
      this.closeSegment();
      this.referenced[this.nsegs] = true;
      this.segs[this.nsegs++] = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
      return;
    }
    this.runBuf = buf;
    this.runStart = start;
    this.runEnd = end;
    if (!this.listed) {
      this.listed = true;
      openRuns[openCount++] = this;
    }
  }

  /** Copies the open run into the queue's own buffer. */
  seal(): void {
    const src = this.runBuf;
    if (src === null) return;
    this.runBuf = null;
    const s = this.runStart;
    const n = this.runEnd - s;
    let dst = this.cur;
    if (dst === null || dst.length - this.used < n) dst = this.grow(n);
    const at = this.used;
    if (n <= LOOP_COPY_MAX) for (let i = 0; i < n; i++) dst[at + i] = src[s + i];
    else src.copy(dst, at, s, s + n);
    this.used = at + n;
  }

  /** Drops everything queued. */
  clear(): void {
    this.runBuf = null;
    this.dropSegments();
    this.length = 0;
    this.recycle(true);
  }

  /** Writes and empties the queue; returns the bytes written. */
  writeTo(sock: net.Socket): number {
    const total = this.length;
    if (total === 0) return 0;
    this.seal();
    this.closeSegment();
    const segs = this.segs;
    const n = this.nsegs;
    if (sock.writableLength > 0) {
      // A slow reader: Node queues whatever is written now until the socket drains. Give it
      // exact copies and keep our buffers (a pooled 32 KB buffer, or a backend's batch
      // buffer, must not be held for a few bytes of a backlog); large referenced frames
      // are nobody else's and go as they are.
      if (n > 1) sock.cork();
      for (let i = 0; i < n; i++) sock.write(this.referenced[i] ? segs[i]! : Buffer.from(segs[i]!));
      if (n > 1) sock.uncork();
      this.dropSegments();
      this.length = 0;
      this.recycle(true);
      return total;
    }
    if (n === 1) {
      sock.write(segs[0]!);
    } else {
      // Writes made while corked leave as one writev at uncork.
      sock.cork();
      for (let i = 0; i < n; i++) sock.write(segs[i]!);
      sock.uncork();
    }
    this.dropSegments();
    this.length = 0;
    // Written at once: nothing refers to our buffers any more. Otherwise (the kernel took
    // part of it) Node keeps them.
    this.recycle(sock.writableLength === 0);
    return total;
  }

  /** Closes the current segment and starts a buffer with room for n more bytes. */
  private grow(n: number): Buffer {
    this.closeSegment();
    const old = this.cur;
    let b: Buffer;
    if (this.keep) {
      const want = old === null ? this.keepSize : Math.min(old.length * 2, KEEP_MAX);
      b = Buffer.allocUnsafeSlow(Math.max(n, want));
    } else {
      b = n <= POOL_BUF ? (pool.pop() ?? Buffer.allocUnsafeSlow(POOL_BUF)) : Buffer.allocUnsafeSlow(n);
    }
    if (old !== null) this.spent.push(old);
    this.cur = b;
    this.used = 0;
    this.segStart = 0;
    return b;
  }

  private closeSegment(): void {
    const c = this.cur;
    if (c !== null && this.used > this.segStart) {
      let v: Buffer;
      if (this.segStart === 0) {
        // A client's replies often have the same length each time (+OK, a GET of one
        // size): the view of its reused buffer from last time fits again.
        v = this.lastView!;
        if (c !== this.lastViewOf || v.length !== this.used) {
          v = c.subarray(0, this.used);
          this.lastView = v;
          this.lastViewOf = c;
        }
      } else {
        v = c.subarray(this.segStart, this.used);
      }
      this.referenced[this.nsegs] = false;
      this.segs[this.nsegs++] = v;
      this.segStart = this.used;
    }
  }

  private dropSegments(): void {
    const segs = this.segs;
    for (let i = 0; i < this.nsegs; i++) segs[i] = null;
    this.nsegs = 0;
  }

  /** After a write (or clear): own buffers are reused when `free`, else left to their holder. */
  private recycle(free: boolean): void {
    const spent = this.spent;
    const c = this.cur;
    if (!free) {
      // Node holds these buffers now; do not keep them alive (or point into them) from here.
      this.lastView = null;
      this.lastViewOf = null;
    }
    if (this.keep) {
      if (spent.length > 0 && c !== null) {
        // The batch outgrew one buffer: next time start with one that holds it all.
        let copied = this.used;
        for (let i = 0; i < spent.length; i++) copied += spent[i].length;
        this.keepSize = Math.min(KEEP_MAX, Math.max(this.keepSize, 2 ** Math.ceil(Math.log2(copied))));
        if (c.length < this.keepSize) this.cur = null;
      }
      if (!free || (this.cur !== null && this.cur.length > KEEP_MAX)) this.cur = null;
    } else {
      let pooled = false;
      if (free) {
        for (let i = 0; i < spent.length; i++) giveBack(spent[i]);
        if (c !== null) pooled = giveBack(c);
      }
      // Keep the cached view only while its buffer is in the pool: a dropped buffer must
      // not stay alive through every idle client that once wrote from it.
      if (this.lastViewOf !== null && !(pooled && this.lastViewOf === c)) {
        this.lastView = null;
        this.lastViewOf = null;
      }
      this.cur = null;
    }
    if (spent.length > 0) spent.length = 0;
    this.used = 0;
    this.segStart = 0;
  }
}

/** Returns a buffer to the pool; false when it is not pool-sized or the pool is full. */
function giveBack(b: Buffer): boolean {
  if (b.length !== POOL_BUF || pool.length >= POOL_MAX) return false;
  pool.push(b);
  return true;
}
