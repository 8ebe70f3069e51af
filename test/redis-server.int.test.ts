import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from './redis-server';

describe('test redis-server helper', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => { for (const s of servers) await s.stop(); });

  it('starts a plain, a password and a TLS server on free ports', async () => {
    const plain = await startRedis();
    const auth = await startRedis({ password: 's3cret' });
    const tls = await startRedis({ tls: true });
    servers.push(plain, auth, tls);
    expect(plain.cli('PING').trim()).toBe('PONG');
    expect(auth.cli('PING').trim()).toBe('PONG');
    expect(tls.cli('PING').trim()).toBe('PONG');
    expect(new Set([plain.port, auth.port, tls.port]).size).toBe(3);
  });
});
