/**
 * The interlay's secure defaults (issue "Trustworthy under faults…"): a client must
 * authenticate (as an interlay user, or as a user of the backend that the backend itself
 * checks), and administrative and destructive commands are refused unless the interlay's
 * allowlist names them. The endpoint's stored credentials never serve an unauthenticated
 * client by default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { backendFor, FramedClient, startInterlay } from './test-helpers';

let server: RedisServer;
const interlays: Interlay[] = [];
const clients: FramedClient[] = [];

beforeAll(async () => {
  server = await startRedis({ password: 'backend-secret', aclUsers: ['user app on >app-pw ~* &* +@all'] });
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const il of interlays) await il.stop({ drainTimeoutMs: 100 });
  await server.stop();
});

async function interlayWith(settings: Parameters<typeof startInterlay>[1]): Promise<Interlay> {
  // The product's defaults: allow_unauthenticated and command_allowlist unset.
  const il = await startInterlay(backendFor(server, { password: 'backend-secret' }), { allow_unauthenticated: undefined, ...settings });
  interlays.push(il);
  await il.waitForBackend();
  return il;
}

function client(il: Interlay): FramedClient {
  const c = new FramedClient(il.port);
  clients.push(c);
  return c;
}

describe('secure defaults', () => {
  it('with default settings a client that does not AUTH gets NOAUTH, never the endpoint\'s credentials', async () => {
    const il = await interlayWith({});
    const c = client(il);
    expect(await c.call('GET', 'k')).toBe('-NOAUTH Authentication required.\r\n');
    expect(await c.call('CONFIG', 'GET', 'requirepass')).toBe('-NOAUTH Authentication required.\r\n');
    // The backend's own users can authenticate; the backend checks them.
    expect(await c.call('AUTH', 'app', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.call('AUTH', 'app', 'app-pw')).toBe('+OK\r\n');
    expect(await c.call('SET', 'k', 'v')).toBe('+OK\r\n');
  });

  it('administrative and destructive commands are refused by default, even for an authenticated backend admin', async () => {
    const il = await interlayWith({});
    const c = client(il);
    expect(await c.call('AUTH', 'backend-secret')).toBe('+OK\r\n');
    for (const cmd of [['CONFIG', 'GET', 'requirepass'], ['ACL', 'LIST'], ['DEBUG', 'SLEEP', '0'], ['SHUTDOWN'], ['REPLICAOF', 'NO', 'ONE'], ['MONITOR'], ['FLUSHALL'], ['MODULE', 'LIST']]) {
      expect(await c.call(...cmd), cmd.join(' ')).toMatch(/^-NOPERM this interlay refuses '[a-z|]+': (administrative|destructive) commands are off/);
    }
    expect(await c.call('GET', 'k')).toMatch(/^\$/);
    expect(il.metrics().errors.rejected).toBeGreaterThanOrEqual(8);
  });

  it('the allowlist opens a subcommand, a container or a group; changes apply live', async () => {
    const il = await interlayWith({ command_allowlist: ['config|get'] });
    const c = client(il);
    await c.call('AUTH', 'backend-secret');
    expect(await c.call('CONFIG', 'GET', 'maxmemory')).toBe('*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
    expect(await c.call('CONFIG', 'SET', 'maxmemory', '0')).toMatch(/^-NOPERM/);
    il.updateSettings({ command_allowlist: ['config', '@destructive'] });
    expect(await c.call('CONFIG', 'SET', 'maxmemory', '0')).toBe('+OK\r\n');
    expect(await c.call('FLUSHDB')).toBe('+OK\r\n');
    expect(await c.call('DEBUG', 'SLEEP', '0')).toMatch(/^-NOPERM/);
  });

  it('interlay users are answered locally and run with the endpoint\'s credentials; unauthenticated service is opt-in', async () => {
    const il = await interlayWith({ auth: { users: [{ username: 'front', password: 'front-pw' }] } });
    const c = client(il);
    expect(await c.call('AUTH', 'front', 'front-pw')).toBe('+OK\r\n');
    expect(await c.call('ACL', 'WHOAMI')).toBe('$7\r\ndefault\r\n');
    il.updateSettings({ allow_unauthenticated: true });
    expect(await client(il).call('PING')).toBe('+PONG\r\n');
    il.updateSettings({ allow_unauthenticated: false });
    expect(await client(il).call('PING')).toBe('-NOAUTH Authentication required.\r\n');
  });

  it('with backend authentication turned off only interlay users can authenticate', async () => {
    const il = await interlayWith({ auth: { password: 'front' }, backend_auth: false });
    const c = client(il);
    expect(await c.call('AUTH', 'app', 'app-pw')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await c.call('AUTH', 'front')).toBe('+OK\r\n');
  });
});
