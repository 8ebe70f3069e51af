/**
 * Byte-exact integrity through the interlay. The interlay reads every socket into one
 * shared buffer and copies only what outlives a read (io.ts, outq.ts), and it reuses its
 * output buffers: these tests would see any byte that is kept past its read, or written
 * from a buffer that was reused too early.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '@/lib/resp';
import { prng } from '@/lib/resp/test-helpers';
import type { RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { TRANSIENT_MAX } from './outq';
import { redisAndInterlay, sleep } from './test-helpers';

let server: RedisServer;
let interlay: Interlay;

beforeAll(async () => {
  ({ server, interlay } = await redisAndInterlay());
});

afterAll(async () => {
  await interlay.stop({ drainTimeoutMs: 500 });
  await server.stop();
});

function randomValue(rnd: () => number): Buffer {
  const r = rnd();
  // Mostly small; some around the read-buffer size (the copy/reference boundary); a few larger.
  const size =
    r < 0.6 ? Math.floor(rnd() * 100)
    : r < 0.85 ? Math.floor(rnd() * 8192)
    : r < 0.97 ? TRANSIENT_MAX - 2048 + Math.floor(rnd() * 4096)
    : 100_000 + Math.floor(rnd() * 150_000);
  const v = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) v[i] = Math.floor(rnd() * 256);
  return v;
}

const bulk = (v: Buffer) => Buffer.concat([Buffer.from(`$${v.length}\r\n`), v, Buffer.from('\r\n')]);
const line = (s: string) => Buffer.from(`${s}\r\n`);

/** A client's script: the bytes it sends and the exact bytes Redis would answer. */
function script(client: number, commands: number, rnd: () => number): { send: Buffer; expect: Buffer } {
  const send: Buffer[] = [];
  const expect: Buffer[] = [];
  const cmd = (...args: (string | Buffer)[]) => send.push(encodeCommand(args));
  for (let i = 0; i < commands; i++) {
    const key = `integrity:${client}:${i}`;
    const v = randomValue(rnd);
    const r = rnd();
    if (r < 0.5) {
      cmd('SET', key, v);
      cmd('GET', key);
      expect.push(line('+OK'), bulk(v));
    } else if (r < 0.65) {
      // A transaction: the session moves to a dedicated conn and queues what follows.
      cmd('MULTI');
      cmd('SET', key, v);
      cmd('GET', key);
      cmd('EXEC');
      expect.push(line('+OK'), line('+QUEUED'), line('+QUEUED'), line('*2'), line('+OK'), bulk(v));
    } else if (r < 0.75) {
      cmd('SELECT', '1');
      cmd('SET', key, v);
      cmd('GET', key);
      cmd('SELECT', '0');
      expect.push(line('+OK'), line('+OK'), bulk(v), line('+OK'));
    } else {
      cmd('ECHO', v);
      cmd('PING');
      expect.push(bulk(v), line('+PONG'));
    }
  }
  return { send: Buffer.concat(send), expect: Buffer.concat(expect) };
}

/** Connects, and collects everything received (without re-concatenating per chunk). */
function connect(port: number): { sock: net.Socket; received: () => Buffer; bytes: () => number; ready: Promise<void> } {
  const sock = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let n = 0;
  sock.on('data', (c: Buffer) => {
    chunks.push(c);
    n += c.length;
  });
  sock.on('error', () => undefined);
  return { sock, received: () => Buffer.concat(chunks), bytes: () => n, ready: new Promise((r) => sock.once('connect', () => r())) };
}

async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** First differing offset, for a readable failure. */
function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe('interlay byte integrity', () => {
  it('concurrent clients sending in random pieces get exactly their own replies, byte for byte', async () => {
    const clients = 12;
    const runs = Array.from({ length: clients }, (_, c) => {
      const rnd = prng(1000 + c);
      return { ...script(c, 150, rnd), rnd, conn: connect(interlay.port) };
    });
    await Promise.all(runs.map((r) => r.conn.ready));
    // Everyone writes at once, in pieces of random size (1 byte to 100 KB), yielding between them.
    await Promise.all(
      runs.map(async (r) => {
        let pos = 0;
        while (pos < r.send.length) {
          const n = 1 + Math.floor(r.rnd() ** 3 * 100_000);
          r.conn.sock.write(r.send.subarray(pos, pos + n));
          pos += n;
          if (r.rnd() < 0.3) await sleep(0);
        }
      }),
    );
    await until(() => runs.every((r) => r.conn.bytes() >= r.expect.length), 30_000, 'all replies');
    for (const r of runs) {
      const got = r.conn.received();
      expect({ length: got.length, firstDiff: firstDiff(got, r.expect) }).toEqual({ length: r.expect.length, firstDiff: -1 });
      r.conn.sock.destroy();
    }
  });

  it('a client that stops reading gets its backlog intact while other clients keep the interlay busy', async () => {
    const value = Buffer.alloc(600, 'a');
    const setup = connect(interlay.port);
    await setup.ready;
    setup.sock.write(encodeCommand(['SET', 'integrity:slow', value]));
    await until(() => setup.bytes() >= 5, 5000, 'SET');
    setup.sock.destroy();

    // The slow client asks for ~12 MB of replies and reads none of them for a while: the
    // kernel buffers fill and the interlay's writes to it stay pending in Node.
    const gets = 20_000;
    const slow = connect(interlay.port);
    await slow.ready;
    slow.sock.pause();
    const get = encodeCommand(['GET', 'integrity:slow']);
    slow.sock.write(Buffer.concat(Array.from({ length: gets }, () => get)));
    const reply = bulk(value);
    const expected = Buffer.concat(Array.from({ length: gets }, () => reply));

    // Meanwhile a busy client runs its own traffic through the same interlay (and its buffers).
    const busy = connect(interlay.port);
    await busy.ready;
    const rnd = prng(7);
    const s = script(99, 300, rnd);
    busy.sock.write(s.send);
    await until(() => busy.bytes() >= s.expect.length, 30_000, 'busy client replies');
    expect(firstDiff(busy.received(), s.expect)).toBe(-1);

    await sleep(50);
    expect(slow.bytes()).toBeLessThan(expected.length / 2); // it really was backed up
    slow.sock.resume();
    await until(() => slow.bytes() >= expected.length, 30_000, 'slow client replies');
    const got = slow.received();
    expect({ length: got.length, firstDiff: firstDiff(got, expected) }).toEqual({ length: expected.length, firstDiff: -1 });
    slow.sock.destroy();
    busy.sock.destroy();
  });
});
