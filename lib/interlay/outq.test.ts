import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { OutQueue, sealOpenRuns, TRANSIENT_MAX } from './outq';

/**
 * A socket stand-in that records what reaches write (and whether it was corked).
 * `pending` is what writableLength reports after a write: > 0 means the socket kept the data.
 */
function fakeSocket(pending = 0) {
  const writes: { data: Buffer; text: string; corked: boolean }[] = [];
  let corked = 0;
  const sock = {
    writableLength: 0,
    write(b: Buffer) {
      writes.push({ data: b, text: b.toString('latin1'), corked: corked > 0 });
      sock.writableLength = pending;
      return true;
    },
    cork() {
      corked++;
    },
    uncork() {
      corked--;
    },
  };
  return { sock: sock as unknown as net.Socket, writes };
}

/** Queues text and flushes it to sock. */
function send(q: OutQueue, sock: net.Socket, text: string): void {
  q.push(Buffer.from(text));
  q.writeTo(sock);
}

describe('OutQueue', () => {
  it('merges contiguous ranges of one chunk into one copy and one write', () => {
    const chunk = Buffer.from('+OK\r\n:1\r\n$3\r\nabc\r\n');
    const q = new OutQueue();
    q.pushRange(chunk, 0, 5);
    q.pushRange(chunk, 5, 9);
    q.pushRange(chunk, 9, chunk.length);
    const { sock, writes } = fakeSocket();
    expect(q.writeTo(sock)).toBe(chunk.length);
    expect(writes).toHaveLength(1);
    expect(writes[0].text).toBe(chunk.toString());
    expect(writes[0].data.buffer).not.toBe(chunk.buffer); // a copy: the chunk may be a shared read buffer
    expect(q.length).toBe(0);
  });

  it('sealOpenRuns copies open runs, so the read buffer can be reused at once', () => {
    const readBuf = Buffer.from('+OK\r\n:1\r\n');
    const a = new OutQueue();
    const b = new OutQueue(true);
    a.pushRange(readBuf, 0, 5);
    b.pushRange(readBuf, 5, 9);
    sealOpenRuns();
    readBuf.fill('X'); // the next read lands in the same buffer
    a.pushRange(readBuf, 0, 2);
    sealOpenRuns();
    const s1 = fakeSocket();
    const s2 = fakeSocket();
    a.writeTo(s1.sock);
    b.writeTo(s2.sock);
    expect(s1.writes.map((w) => w.text)).toEqual(['+OK\r\nXX']);
    expect(s2.writes.map((w) => w.text)).toEqual([':1\r\n']);
  });

  it('keeps order across non-adjacent ranges, repeated buffers and other chunks', () => {
    const ok = Buffer.from('+OK\r\n');
    const chunk = Buffer.from('0123456789');
    const q = new OutQueue();
    q.push(ok);
    q.push(ok);
    q.pushRange(chunk, 0, 2);
    q.pushRange(chunk, 4, 6);
    q.pushRange(Buffer.from('0123456789'), 6, 7); // same bytes, another chunk
    const { sock, writes } = fakeSocket();
    q.writeTo(sock);
    expect(writes.map((w) => w.text)).toEqual(['+OK\r\n+OK\r\n01456']);
  });

  it('queues frames larger than any read buffer by reference, copying the small ones around them', () => {
    const big1 = Buffer.alloc(TRANSIENT_MAX + 1, 'a');
    const big2 = Buffer.alloc(TRANSIENT_MAX + 100, 'b');
    const q = new OutQueue();
    q.push(Buffer.from('x'));
    q.push(Buffer.from('yy'));
    q.push(big1);
    q.push(Buffer.from('zzz'));
    q.push(big2);
    const { sock, writes } = fakeSocket();
    expect(q.writeTo(sock)).toBe(6 + big1.length + big2.length);
    expect(writes.map((w) => w.text.slice(0, 3))).toEqual(['xyy', 'aaa', 'zzz', 'bbb']);
    expect(writes.every((w) => w.corked)).toBe(true);
    expect(writes[1].data).toBe(big1);
    expect(writes[3].data).toBe(big2);
  });

  it('reuses its buffer after a write the socket took at once, and never one the socket kept', () => {
    const q = new OutQueue(true);
    const taken = fakeSocket(0);
    send(q, taken.sock, 'first');
    send(q, taken.sock, 'second');
    expect(taken.writes[1].data.buffer).toBe(taken.writes[0].data.buffer);

    const kept = fakeSocket(10); // the socket still holds what it was given
    send(q, kept.sock, 'third');
    send(q, kept.sock, 'fourth');
    expect(kept.writes[1].data.buffer).not.toBe(kept.writes[0].data.buffer);
    expect(kept.writes.map((w) => w.data.toString())).toEqual(['third', 'fourth']); // intact
  });

  it('a socket already backed up gets exact copies, and the queue keeps its buffer', () => {
    const q = new OutQueue();
    const s = fakeSocket(0);
    send(q, s.sock, 'free');
    (s.sock as unknown as { writableLength: number }).writableLength = 100; // a slow reader's backlog
    const big = Buffer.alloc(TRANSIENT_MAX + 1, 'x');
    q.push(Buffer.from('+OK\r\n'));
    q.push(big);
    q.writeTo(s.sock);
    const [, small, frame] = s.writes;
    expect(small.text).toBe('+OK\r\n');
    expect(small.data.buffer).not.toBe(s.writes[0].data.buffer); // a copy, not the queue's buffer
    expect(frame.data).toBe(big); // a referenced frame is nobody else's: not copied
    // The queue's own buffer was not handed over: it is reused for the next flush.
    (s.sock as unknown as { writableLength: number }).writableLength = 0;
    send(q, s.sock, 'after');
    expect(s.writes[3].data.buffer).toBe(s.writes[0].data.buffer);
  });

  it('client queues lend their buffer back to a shared pool after a flush', () => {
    const a = new OutQueue();
    const b = new OutQueue();
    const s = fakeSocket(0);
    send(a, s.sock, 'to a');
    send(b, s.sock, 'to b');
    expect(s.writes[1].data.buffer).toBe(s.writes[0].data.buffer);
    expect(s.writes.map((w) => w.text)).toEqual(['to a', 'to b']);
  });

  it('a client queue whose buffer the full pool turned away keeps no reference to it', () => {
    const s = fakeSocket(0);
    const queues = Array.from({ length: 100 }, () => new OutQueue());
    for (const q of queues) q.push(Buffer.from('+OK\r\n'));
    sealOpenRuns(); // as at the end of a read: each copies into a buffer of its own
    for (const q of queues) q.writeTo(s.sock); // the pool takes back at most 64
    const holding = queues.filter((q) => (q as unknown as { lastViewOf: Buffer | null }).lastViewOf !== null);
    expect(holding.length).toBeGreaterThan(0);
    expect(holding.length).toBeLessThanOrEqual(64);
  });

  it('a backend queue grows to its batch size, so the next batch of that size is one write', () => {
    const q = new OutQueue(true);
    const s = fakeSocket(0);
    const part = Buffer.alloc(1000, 'c');
    const batch = () => {
      for (let i = 0; i < 300; i++) q.pushRange(Buffer.from(part), 0, part.length); // separate chunks: 300 runs
      q.writeTo(s.sock);
    };
    batch();
    const first = s.writes.length;
    expect(first).toBeGreaterThan(1); // 64 KB, then a bigger buffer
    expect(Buffer.concat(s.writes.map((w) => w.data)).length).toBe(300_000);
    batch();
    expect(s.writes.length).toBe(first + 1);
    expect(s.writes[first].data.length).toBe(300_000);
  });

  it('clear drops everything queued', () => {
    const q = new OutQueue();
    q.push(Buffer.from('abc'));
    q.pushRange(Buffer.alloc(TRANSIENT_MAX + 1), 0, TRANSIENT_MAX + 1);
    q.clear();
    const { sock, writes } = fakeSocket();
    expect(q.writeTo(sock)).toBe(0);
    expect(writes).toHaveLength(0);
    q.push(Buffer.from('next'));
    q.writeTo(sock);
    expect(writes.map((w) => w.text)).toEqual(['next']);
  });
});
