import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, type RedisServer } from '../../test/redis-server';
import { RespError } from '../resp/types';
import { RedisClientError } from './errors';
import { ConnectionPool } from './pool';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis({ password: 'pw' });
});
afterAll(async () => {
  await server?.stop();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(RedisClientError);
  return (e as RedisClientError).code;
}

describe('ConnectionPool', () => {
  it('connects lazily and stays on one connection under light use', async () => {
    const pool = new ConnectionPool({ host: server.host, port: server.port, password: 'pw', size: 4 });
    expect(pool.openConnections).toBe(0);
    for (let i = 0; i < 20; i++) expect(await pool.call('PING')).toBe('PONG');
    expect(pool.openConnections).toBe(1);
    await pool.close();
  });

  it('spreads concurrent load over up to size connections, least pending first', async () => {
    const pool = new ConnectionPool({ host: server.host, port: server.port, password: 'pw', size: 3, clientName: 'pool-spread' });
    await pool.call('PING');
    // Keep the first connection busy so new work goes elsewhere and the pool grows.
    const blocked = pool.call('BLPOP', 'pool:never', '0.5');
    const busy: Promise<unknown>[] = [];
    for (let round = 0; round < 20; round++) {
      busy.push(...Array.from({ length: 50 }, (_, i) => pool.call('ECHO', `r${round}:${i}`)));
      await new Promise((r) => setTimeout(r, 5));
    }
    const replies = await Promise.all(busy);
    expect(replies.every((r) => Buffer.isBuffer(r))).toBe(true);
    expect(pool.openConnections).toBe(3);
    const clients = server.cli('CLIENT', 'LIST').split('\n').filter((l) => l.includes('name=pool-spread'));
    expect(clients).toHaveLength(3);
    expect(await blocked).toBeNull();
    await pool.close();
  });

  it('pipelines, callOrThrow and sendRaw go through a pooled connection', async () => {
    const pool = new ConnectionPool({ host: server.host, port: server.port, password: 'pw', size: 2 });
    expect(await pool.pipeline([['SET', 'pool:a', '1'], ['INCR', 'pool:a'], ['HGET', 'pool:a', 'x']])).toEqual([
      'OK', 2, expect.any(RespError),
    ]);
    expect(await codeOf(pool.callOrThrow('HGET', 'pool:a', 'x'))).toBe('REPLY');
    await pool.close();
    expect(await codeOf(pool.call('PING'))).toBe('ECLOSED');
  });

  it('reconnects on next use after the server comes back, failing fast while backing off', async () => {
    const victim = await startRedis();
    const pool = new ConnectionPool({ host: victim.host, port: victim.port, size: 2, minBackoffMs: 200, maxBackoffMs: 400 });
    expect(await pool.call('SET', 'k', 'v')).toBe('OK');
    await victim.kill();
    await new Promise((r) => setTimeout(r, 50));
    expect(pool.openConnections).toBe(0);
    expect(await codeOf(pool.call('PING'))).toBe('ECONNREFUSED');
    // Within the backoff window: fail fast with the same code, no new connect attempt.
    const t0 = Date.now();
    expect(await codeOf(pool.call('PING'))).toBe('ECONNREFUSED');
    expect(Date.now() - t0).toBeLessThan(50);
    await victim.restart();
    await new Promise((r) => setTimeout(r, 250));
    expect(await pool.call('PING')).toBe('PONG');
    await pool.close();
    await victim.stop();
  });

  it('reports the connect error code (AUTH) to callers', async () => {
    const pool = new ConnectionPool({ host: server.host, port: server.port, password: 'wrong' });
    expect(await codeOf(pool.call('PING'))).toBe('AUTH');
    await pool.close();
    const refused = new ConnectionPool({ host: '127.0.0.1', port: await freePort() });
    expect(await codeOf(refused.call('PING'))).toBe('ECONNREFUSED');
    await refused.close();
  });
});
