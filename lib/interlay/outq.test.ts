import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { OutQueue } from './outq';

/** A socket stand-in that records what reaches write (and whether it was corked). */
function fakeSocket() {
  const writes: { data: Buffer; corked: boolean }[] = [];
  let corked = 0;
  const sock = {
    write(b: Buffer) {
      writes.push({ data: b, corked: corked > 0 });
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

describe('OutQueue', () => {
  it('merges contiguous ranges of one chunk into a single write without copying', () => {
    const chunk = Buffer.from('+OK\r\n:1\r\n$3\r\nabc\r\n');
    const q = new OutQueue();
    q.pushRange(chunk, 0, 5);
    q.pushRange(chunk, 5, 9);
    q.pushRange(chunk, 9, chunk.length);
    const { sock, writes } = fakeSocket();
    expect(q.writeTo(sock)).toBe(chunk.length);
    expect(writes).toHaveLength(1);
    expect(writes[0].data.equals(chunk)).toBe(true);
    expect(writes[0].data).toBe(chunk); // the chunk itself, not a copy
    expect(q.length).toBe(0);
  });

  it('a run that covers part of a chunk goes out as one view of it', () => {
    const chunk = Buffer.from('xx+OK\r\n:1\r\nyy');
    const q = new OutQueue();
    q.pushRange(chunk, 2, 7);
    q.pushRange(chunk, 7, 11);
    const { sock, writes } = fakeSocket();
    q.writeTo(sock);
    expect(writes).toHaveLength(1);
    expect(writes[0].data.toString()).toBe('+OK\r\n:1\r\n');
    expect(writes[0].data.buffer).toBe(chunk.buffer);
  });

  it('does not merge a repeated buffer or views that are not adjacent', () => {
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
    expect(Buffer.concat(writes.map((w) => w.data)).toString()).toBe('+OK\r\n+OK\r\n01456');
  });

  it('writes large entries as they are and copies only runs of small ones, in order', () => {
    const big1 = Buffer.alloc(20_000, 'a');
    const big2 = Buffer.alloc(30_000, 'b');
    const smalls = ['x', 'yy', 'zzz'].map((s) => Buffer.from(s));
    const q = new OutQueue();
    q.push(smalls[0]);
    q.push(smalls[1]);
    q.push(big1);
    q.push(smalls[2]);
    q.push(big2);
    const { sock, writes } = fakeSocket();
    q.writeTo(sock);
    expect(writes.map((w) => w.data.toString().slice(0, 3))).toEqual(['xyy', 'aaa', 'zzz', 'bbb']);
    expect(writes.every((w) => w.corked)).toBe(true);
    expect(writes[1].data).toBe(big1);
    expect(writes[3].data).toBe(big2);
  });

  it('clear drops everything queued', () => {
    const q = new OutQueue();
    q.push(Buffer.from('abc'));
    q.clear();
    const { sock, writes } = fakeSocket();
    expect(q.writeTo(sock)).toBe(0);
    expect(writes).toHaveLength(0);
  });
});
