/**
 * OutQueue: the bytes gathered for one socket during an event-loop turn, written with as
 * little copying as possible.
 *
 * What gets queued are mostly ranges of socket chunks cut by the framers: the commands of
 * one client chunk, or the consecutive replies of one client in one backend chunk. Those
 * ranges sit back to back in the same chunk, so `pushRange` merges a range that starts
 * where the previous one ended into a single run (no copy, no per-command entry or view):
 * a 16-command pipeline of 1 KB values becomes one 17 KB entry instead of 16.
 * Queued buffers must not be mutated until written; socket chunks never are.
 *
 * `writeTo` then picks per turn: one entry → written as is; a small total → one copy
 * (cheaper than a writev of many tiny iovecs); otherwise the socket is corked and large
 * entries go out untouched in one writev, only runs of small entries being copied together.
 * (Copying every large batch into one buffer cost a full extra memcpy of all traffic plus
 * big short-lived allocations that drove GC.)
 */
import type net from 'node:net';

/** Totals up to this are copied into one buffer: one syscall iovec, a cheap memcpy. */
const COPY_TOTAL_MAX = 16 * 1024;
/** In a larger batch, entries below this are copied together; bigger ones are written as is. */
const SMALL_ENTRY = 2048;

export class OutQueue {
  /** Bytes queued (including the open run). */
  length = 0;
  private bufs: Buffer[] = [];
  // The open run: [runStart, runEnd) of runBuf, extended while ranges of it follow back to back.
  private runBuf: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;

  push(b: Buffer): void {
    this.pushRange(b, 0, b.length);
  }

  /**
   * Queues buf[start, end). The framers hand over ranges of the socket chunk they cut, so
   * a client's pipelined commands (or its consecutive replies) extend one run: no view is
   * made per command, only one per run when it closes.
   */
  pushRange(buf: Buffer, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    this.length += n;
    if (this.runBuf !== null) {
      if (buf === this.runBuf && start === this.runEnd) {
        this.runEnd = end;
        return;
      }
      this.closeRun();
    }
    this.runBuf = buf;
    this.runStart = start;
    this.runEnd = end;
  }

  /** Drops everything queued. */
  clear(): void {
    this.bufs = [];
    this.runBuf = null;
    this.length = 0;
  }

  private closeRun(): void {
    const b = this.runBuf;
    if (b === null) return;
    this.bufs.push(this.runStart === 0 && this.runEnd === b.length ? b : b.subarray(this.runStart, this.runEnd));
    this.runBuf = null;
  }

  /** Writes and empties the queue; returns the bytes written. */
  writeTo(sock: net.Socket): number {
    const total = this.length;
    if (total === 0) return 0;
    this.closeRun();
    const bufs = this.bufs;
    this.bufs = [];
    this.length = 0;
    const n = bufs.length;
    if (n === 1) {
      sock.write(bufs[0]);
      return total;
    }
    if (total <= COPY_TOTAL_MAX) {
      sock.write(Buffer.concat(bufs, total));
      return total;
    }
    // Large entries as they are; each run of small ones between them copied into one buffer.
    const parts: Buffer[] = [];
    let from = 0; // first of the pending small entries
    let smallLen = 0;
    for (let i = 0; i < n; i++) {
      const b = bufs[i];
      if (b.length < SMALL_ENTRY) {
        smallLen += b.length;
        continue;
      }
      if (i > from) parts.push(group(bufs, from, i, smallLen));
      parts.push(b);
      from = i + 1;
      smallLen = 0;
    }
    if (n > from) parts.push(group(bufs, from, n, smallLen));
    if (parts.length === 1) {
      sock.write(parts[0]);
    } else {
      // Writes made while corked leave as one writev at uncork.
      sock.cork();
      for (let i = 0; i < parts.length; i++) sock.write(parts[i]);
      sock.uncork();
    }
    return total;
  }
}

/** bufs[from, to) (all small) as one buffer: the entry itself, or a copy of them together. */
function group(bufs: Buffer[], from: number, to: number, len: number): Buffer {
  return to - from === 1 ? bufs[from] : Buffer.concat(bufs.slice(from, to), len);
}
