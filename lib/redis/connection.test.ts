/**
 * Faults a real Redis cannot produce on cue, against a tiny fake RESP server:
 * a reply cut off mid-frame, malformed bytes, a reply nobody asked for.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisConnection } from './connection';
import { RedisClientError } from './errors';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that answers every received chunk with `reply(n)` (n = chunk number). */
async function fakeServer(onData: (socket: net.Socket, n: number) => void): Promise<number> {
  const server = net.createServer((socket) => {
    let n = 0;
    socket.on('data', () => onData(socket, n++));
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(RedisClientError);
  return (e as RedisClientError).code;
}

describe('RedisConnection against a fake server', () => {
  it('rejects with ECONNRESET when the server disconnects mid-reply', async () => {
    const port = await fakeServer((s) => {
      s.write('$10\r\nabc');
      setTimeout(() => s.destroy(), 20);
    });
    const c = new RedisConnection({ host: '127.0.0.1', port });
    expect(await codeOf(c.call('GET', 'k'))).toBe('ECONNRESET');
  });

  it('closes with PROTOCOL on malformed bytes and rejects what is pending', async () => {
    const port = await fakeServer((s) => s.write('+OK\r\n?garbage\r\n'));
    const c = new RedisConnection({ host: '127.0.0.1', port });
    const [a, b] = await Promise.allSettled([c.call('PING'), c.call('PING')]);
    expect(a).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(b.status).toBe('rejected');
    expect(((b as PromiseRejectedResult).reason as RedisClientError).code).toBe('PROTOCOL');
    expect(c.status).toBe('closed');
  });

  it('closes with PROTOCOL on a reply nobody asked for', async () => {
    const port = await fakeServer((s) => s.write('+OK\r\n+EXTRA\r\n'));
    const c = new RedisConnection({ host: '127.0.0.1', port });
    const closed = new Promise<RedisClientError | undefined>((r) => c.once('close', r));
    expect(await c.call('PING')).toBe('OK');
    expect((await closed)?.code).toBe('PROTOCOL');
  });

  it('handles replies split into single bytes', async () => {
    const port = await fakeServer((s) => {
      const bytes = Buffer.from('*2\r\n$3\r\nfoo\r\n%1\r\n+a\r\n,1.5\r\n');
      let i = 0;
      const tick = () => {
        if (i < bytes.length) {
          s.write(bytes.subarray(i, ++i));
          setImmediate(tick);
        }
      };
      tick();
    });
    const c = new RedisConnection({ host: '127.0.0.1', port });
    expect(await c.call('X')).toStrictEqual([Buffer.from('foo'), expect.anything()]);
    await c.close();
  });
});
