/**
 * The interlay API end to end: real route handlers, a real context on both database kinds,
 * a spawned redis-server behind a real interlay, ioredis as the client.
 */
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { registerContext } from '@/server/api/context';
import { createContext, type ServerContext } from '@/server/context';
import { dbKinds } from '@/test/db';
import { ADMIN_TOKEN, startTestApi, type TestApi } from '@/test/api';
import { freePort, startRedis, tlsMaterial, type RedisServer } from '@/test/redis-server';
import { GET as prometheusGet } from '@/app/metrics/route';
import { FramedClient } from '@/lib/interlay/test-helpers';

const MASK = '********';
/** These tests' clients connect without AUTH: the opt-out the product requires for that (loopback only). */
const OPEN = { allow_unauthenticated: { acknowledged: true, reason: 'test clients connect without AUTH' } };

/** Polls until `fn` returns a truthy value (no fixed sleeps: the machine is shared and slow). */
async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function client(port: number, opts: { username?: string; password?: string } = {}): Redis {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, ...opts });
  // Failures show up as rejected commands; the 'error' event would only be noise.
  c.on('error', () => {});
  return c;
}

async function scrape(token?: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await prometheusGet(new Request('http://console.test/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {} }), { params: Promise.resolve({}) });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

describe.each(await dbKinds())('interlays API on %s', (kind) => {
  let redis: RedisServer;
  let api: TestApi;
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    api = await startTestApi(kind);
    const ep = await api.call('POST', '/api/v1/endpoints', { token: ADMIN_TOKEN, body: { endpoint: 'redis-source', config: { target: { host: redis.host, port: redis.port } } } });
    expect(ep.status).toBe(201);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await api.close();
  });

  const create = async (body: Record<string, unknown>) => api.call('POST', '/api/v1/interlays', { token: ADMIN_TOKEN, body });

  it('creates, lists, gets, patches and deletes, with validation, permissions and masked, sealed secrets', async () => {
    const port = await freePort();
    expect((await api.call('GET', '/api/v1/interlays')).status).toBe(401);

    const bad = await create({ id: '-x', endpoint: 'nope', port: 0, settings: { max_concurrent_connections: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['id', 'port', 'settings.max_concurrent_connections']));
    const noEndpoint = await create({ id: 'il', endpoint: 'missing-endpoint', port });
    expect(noEndpoint.status).toBe(400);
    expect(noEndpoint.body.error.issues).toEqual([{ path: 'endpoint', message: expect.stringContaining('missing-endpoint') }]);

    const viewer = await api.tokenFor('viewer');
    expect((await api.call('POST', '/api/v1/interlays', { token: viewer, body: { id: 'il', endpoint: 'redis-source', port } })).status).toBe(403);

    const created = await create({
      id: 'redis-live-interlay',
      endpoint: 'redis-source',
      port,
      settings: { max_concurrent_connections: 64, auth: { password: 'default-pw', users: [{ username: 'app', password: 'app-secret-pw' }] } },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'redis-live-interlay',
      endpoint: 'redis-source',
      port,
      desired_state: 'stopped',
      status: 'stopped',
      error: null,
      metrics: null,
      connection_string: `redis://app@127.0.0.1:${port}/`,
      auth_user: 'app',
      settings: {
        bind_address: '127.0.0.1',
        max_concurrent_connections: 64,
        idle_timeout_s: 0,
        auth: { password: MASK, has_password: true, users: [{ username: 'app', password: MASK, has_password: true }] },
      },
    });
    expect(JSON.stringify(created.body)).not.toMatch(/default-pw|app-secret-pw/);

    // Encrypted at rest.
    const row = await api.ctx.prisma.interlay.findUniqueOrThrow({ where: { id: 'redis-live-interlay' } });
    const stored = JSON.stringify(row.settings);
    expect(stored).not.toMatch(/default-pw|app-secret-pw/);
    expect((row.settings as { auth: { password: string } }).auth.password).toMatch(/^enc:v1:/);

    expect((await create({ id: 'redis-live-interlay', endpoint: 'redis-source', port: port + 1 })).status).toBe(409);
    const portTaken = await create({ id: 'other', endpoint: 'redis-source', port });
    expect(portTaken.status).toBe(409);
    expect(portTaken.body.error.message).toContain('redis-live-interlay');

    const list = await api.call('GET', '/api/v1/interlays', { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.interlays.map((i: { id: string }) => i.id)).toEqual(['redis-live-interlay']);
    expect((await api.call('GET', '/api/v1/interlays/nope', { token: viewer })).status).toBe(404);
    expect((await api.call('POST', '/api/v1/interlays/redis-live-interlay/start', { token: viewer })).status).toBe(403);

    // Sending the masked view back keeps the secrets; a new user without password is a field error.
    const patched = await api.call('PATCH', '/api/v1/interlays/redis-live-interlay', {
      token: ADMIN_TOKEN,
      body: { port: port + 2, settings: { ...created.body.settings, idle_timeout_s: 30 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ port: port + 2, settings: { idle_timeout_s: 30, auth: { has_password: true } } });
    const after = await api.ctx.prisma.interlay.findUniqueOrThrow({ where: { id: 'redis-live-interlay' } });
    expect((after.settings as { auth: unknown }).auth).toEqual((row.settings as { auth: unknown }).auth);
    const badUser = await api.call('PATCH', '/api/v1/interlays/redis-live-interlay', { token: ADMIN_TOKEN, body: { settings: { auth: { users: [{ username: 'new', password: MASK }] } } } });
    expect(badUser.status).toBe(400);
    expect(badUser.body.error.issues[0].path).toBe('settings.auth.users.0.password');

    // The endpoint cannot go while an interlay uses it.
    const delEp = await api.call('DELETE', '/api/v1/endpoints/redis-source', { token: ADMIN_TOKEN });
    expect(delEp.status).toBe(409);
    expect(delEp.body.error.message).toContain('redis-live-interlay');

    expect((await api.call('DELETE', '/api/v1/interlays/redis-live-interlay', { token: viewer })).status).toBe(403);
    expect((await api.call('DELETE', '/api/v1/interlays/redis-live-interlay', { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/interlays/redis-live-interlay', { token: ADMIN_TOKEN })).status).toBe(404);
    expect((await api.call('DELETE', '/api/v1/endpoints/redis-source', { token: ADMIN_TOKEN })).status).toBe(204);

    const audit = await api.ctx.prisma.auditLog.findMany({ where: { objectType: 'interlay' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.action)).toEqual(['interlay.create', 'interlay.update', 'interlay.delete']);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toMatch(/default-pw|app-secret-pw/);
  });

  it('proxies real traffic, counts it in metrics, history and /metrics, and guards running changes', async () => {
    const port = await freePort();
    const ticks: { room: string; event: string; payload: { id: string; at: number; ops?: { total: number } } }[] = [];
    const changed: { kind: string; id?: string }[] = [];
    const notifier = api.ctx.notifier;
    notifier.toRoom = ((room: string, event: string, payload: never) => void ticks.push({ room, event, payload })) as never;
    notifier.changed = (e) => void changed.push(e);
    const created = await create({ id: 'live', endpoint: 'redis-source', port, start: true, settings: { auth: { users: [{ username: 'app', password: 'app-pw' }] } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ desired_state: 'started', status: 'listening', error: null });

    const c = client(port, { username: 'app', password: 'app-pw' });
    clients.push(c);
    await c.connect();
    expect(await c.set('il:key', 'value')).toBe('OK');
    expect(await c.get('il:key')).toBe('value');
    expect(redis.cli('GET', 'il:key').trim()).toBe('value');

    const m = await until(async () => {
      const r = await api.call('GET', '/api/v1/interlays/live/metrics', { token: ADMIN_TOKEN });
      return r.status === 200 && r.body.ops.total >= 2 ? r.body : undefined;
    }, 'the proxied commands to be counted');
    expect(m.id).toBe('live');
    expect(m.connections.current).toBeGreaterThanOrEqual(1);
    expect(m.commands.map((x: { name: string }) => x.name.toUpperCase())).toEqual(expect.arrayContaining(['SET', 'GET']));

    const hist = await until(async () => {
      const r = await api.call('GET', '/api/v1/interlays/live/metrics/history', { token: ADMIN_TOKEN });
      return r.body.points.length > 0 ? r.body : undefined;
    }, 'a history point');
    expect(hist).toMatchObject({ id: 'live', interval_ms: 1000 });
    expect(hist.points[0]).toHaveProperty('ops_per_sec');

    // Live ticks go to the interlay's room about once a second; changes go out as `changed`.
    const tick = await until(() => ticks.find((t) => (t.payload.ops?.total ?? 0) >= 2), 'a metrics tick with the traffic');
    expect(tick).toMatchObject({ room: 'interlay:live', event: 'interlay:metrics', payload: { id: 'live', at: expect.any(Number) } });
    expect(changed).toContainEqual({ kind: 'interlay', id: 'live' });

    expect((await scrape()).status).toBe(401);
    const prom = await scrape(await api.tokenFor('viewer'));
    expect(prom.status).toBe(200);
    expect(prom.type).toContain('version=0.0.4');
    expect(prom.text).toMatch(/^redis_interlay_ops_total\{interlay="live"\} \d+$/m);
    expect(prom.text).toMatch(/^redis_interlay_commands_total\{interlay="live",command="set"\} 1$/m);
    expect(prom.text).toMatch(/^redis_interlay_status\{interlay="live",status="listening"\} 1$/m);
    expect(prom.text).toMatch(/^redis_interlay_connections\{interlay="live"\} \d+$/m);

    // Running: listener settings are refused, live ones apply.
    const portChange = await api.call('PATCH', '/api/v1/interlays/live', { token: ADMIN_TOKEN, body: { port: port + 1 } });
    expect(portChange.status).toBe(409);
    expect(portChange.body.error.message).toMatch(/stop it before changing port/);
    const live = await api.call('PATCH', '/api/v1/interlays/live', { token: ADMIN_TOKEN, body: { settings: { max_concurrent_connections: 100 } } });
    expect(live.status).toBe(200);
    expect(live.body.settings.max_concurrent_connections).toBe(100);
    expect(live.body.status).toBe('listening');
    // Applied to the running listener: with one client connected, a limit of 1 refuses the next.
    expect((await api.call('PATCH', '/api/v1/interlays/live', { token: ADMIN_TOKEN, body: { settings: { max_concurrent_connections: 1 } } })).status).toBe(200);
    const second = new Redis({ host: '127.0.0.1', port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    second.on('error', () => {});
    clients.push(second);
    // The interlay answers "-ERR max number of clients reached" and closes, maybe before the PING is sent.
    await expect(second.connect().then(() => second.ping())).rejects.toThrow(/max number of clients|Connection is closed/);
    await until(async () => (await api.call('GET', '/api/v1/interlays/live/metrics', { token: ADMIN_TOKEN })).body.connections.refused >= 1, 'the refusal to be counted');
    expect(await c.get('il:key')).toBe('value');

    expect((await api.call('DELETE', '/api/v1/interlays/live', { token: ADMIN_TOKEN })).status).toBe(409);

    const stopped = await api.call('POST', '/api/v1/interlays/live/stop', { token: ADMIN_TOKEN, body: { drain_timeout_ms: 100 } });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ desired_state: 'stopped', status: 'stopped', metrics: null });
    const refused = client(port);
    clients.push(refused);
    await expect(refused.connect()).rejects.toThrow();
    expect((await api.call('GET', '/api/v1/interlays/live/metrics', { token: ADMIN_TOKEN })).status).toBe(409);
    expect((await api.call('DELETE', '/api/v1/interlays/live', { token: ADMIN_TOKEN })).status).toBe(204);
  });

  it('is secure by default: clients must authenticate, admin commands are refused, and the opt-out is explicit and loopback-only', async () => {
    const port = await freePort();
    const created = await create({ id: 'default', endpoint: 'redis-source', port, start: true });
    expect(created.status).toBe(201);
    expect(created.body.settings).toMatchObject({ backend_auth: true, allow_unauthenticated: null, command_allowlist: [] });
    await until(async () => (await api.call('GET', '/api/v1/interlays/default', { token: ADMIN_TOKEN })).body.backend_state === 'up', 'backend up');
    const anon = new FramedClient(port);
    try {
      expect(await anon.call('GET', 'k')).toBe('-NOAUTH Authentication required.\r\n');
      expect(await anon.call('CONFIG', 'GET', 'requirepass')).toBe('-NOAUTH Authentication required.\r\n');
      // The backend's default user is nopass: AUTH as it (checked by the backend) works; admin commands still do not.
      expect(await anon.call('AUTH', 'default', 'anything')).toBe('+OK\r\n');
      expect(await anon.call('CONFIG', 'GET', 'requirepass')).toMatch(/^-NOPERM this interlay refuses 'config\|get'/);
    } finally {
      anon.close();
    }

    const noAck = await api.call('PATCH', '/api/v1/interlays/default', { token: ADMIN_TOKEN, body: { settings: { allow_unauthenticated: { acknowledged: false, reason: 'x' } } } });
    expect(noAck.status).toBe(400);
    expect(noAck.body.error.issues[0].path).toBe('settings.allow_unauthenticated.acknowledged');
    const wide = await create({ id: 'wide', endpoint: 'redis-source', port: await freePort(), settings: { bind_address: '0.0.0.0', ...OPEN } });
    expect(wide.status).toBe(400);
    expect(wide.body.error.issues.map((i: { path: string }) => i.path)).toContain('settings.allow_unauthenticated');
    const nobody = await create({ id: 'nobody', endpoint: 'redis-source', port: await freePort(), settings: { backend_auth: false } });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['settings.backend_auth']);
    const unknown = await create({ id: 'unknown', endpoint: 'redis-source', port: await freePort(), settings: { command_allowlist: ['config|get', 'nosuchcommand'] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['settings.command_allowlist.1']);

    const opened = await api.call('PATCH', '/api/v1/interlays/default', { token: ADMIN_TOKEN, body: { settings: { ...OPEN, command_allowlist: ['config|get'] } } });
    expect(opened.status).toBe(200);
    expect(opened.body.settings.allow_unauthenticated).toMatchObject({ reason: 'test clients connect without AUTH', acknowledged_by: 'admin' });
    const again = client(port);
    clients.push(again);
    await again.connect();
    expect(await again.get('k')).toBeNull();
    expect(await again.call('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '0']);
    const audit = await api.call('GET', '/api/v1/audit?object_type=interlay&object_id=default', { token: ADMIN_TOKEN });
    expect(JSON.stringify(audit.body)).toContain('test clients connect without AUTH');
    await api.call('POST', '/api/v1/interlays/default/stop', { token: ADMIN_TOKEN });
  });

  it('serves TLS clients with the configured certificate', async () => {
    const tlsFiles = tlsMaterial();
    const port = await freePort();
    const r = await create({
      id: 'tls',
      endpoint: 'redis-source',
      port,
      start: true,
      settings: { ...OPEN, tls: { cert: fs.readFileSync(tlsFiles.certFile, 'utf8'), key: fs.readFileSync(tlsFiles.keyFile, 'utf8') } },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'listening', connection_string: `rediss://127.0.0.1:${port}/`, settings: { tls: { key: MASK, has_key: true } } });
    const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, tls: { ca: tlsFiles.ca } });
    c.on('error', () => {});
    clients.push(c);
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    const row = await api.ctx.prisma.interlay.findUniqueOrThrow({ where: { id: 'tls' } });
    expect((row.settings as { tls: { key: string } }).tls.key).toMatch(/^enc:v1:/);
    const change = await api.call('PATCH', '/api/v1/interlays/tls', { token: ADMIN_TOKEN, body: { settings: { tls: null } } });
    expect(change.status).toBe(409);
    expect(change.body.error.issues).toEqual([{ path: 'settings.tls', message: expect.any(String) }]);
    await api.call('POST', '/api/v1/interlays/tls/stop', { token: ADMIN_TOKEN, body: { drain_timeout_ms: 0 } });
  });

  it('reports a busy port as status failed with a readable error, and recovers once free', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)));
    try {
      expect((await create({ id: 'busy', endpoint: 'redis-source', port })).status).toBe(201);
      const r = await api.call('POST', '/api/v1/interlays/busy/start', { token: ADMIN_TOKEN });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ desired_state: 'started', status: 'failed', error: expect.stringMatching(/already in use/) });
      expect((await api.call('GET', '/api/v1/interlays/busy', { token: ADMIN_TOKEN })).body.status).toBe('failed');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    const again = await api.call('POST', '/api/v1/interlays/busy/start', { token: ADMIN_TOKEN });
    expect(again.body).toMatchObject({ status: 'listening', error: null });
    expect((await api.call('POST', '/api/v1/interlays/busy/stop', { token: ADMIN_TOKEN })).body.status).toBe('stopped');
  });

  it('starts started interlays again after a console restart, unless RESTORE_INTERLAYS is off', async () => {
    const port = await freePort();
    const idlePort = await freePort();
    expect((await create({ id: 'comes-back', endpoint: 'redis-source', port, start: true, settings: OPEN })).body.status).toBe('listening');
    expect((await create({ id: 'stays-down', endpoint: 'redis-source', port: idlePort })).status).toBe(201);

    // Shut the console down as server/main.ts does; the database stays.
    await api.ctx.stop();
    registerContext(undefined);
    await api.ctx.close();
    const down = client(port);
    clients.push(down);
    await expect(down.connect()).rejects.toThrow();

    const env = { DATA_DIR: api.ctx.config.dataDir, ADMIN_TOKEN, LOG_LEVEL: 'silent', NODE_ENV: 'test' } as const;
    let ctx2: ServerContext | undefined = await createContext(loadConfig({ ...env, RESTORE_INTERLAYS: 'true' }), createLogger({ level: 'silent' }), { db: api.db });
    try {
      registerContext(ctx2);
      await ctx2.start();
      const after = await api.call('GET', '/api/v1/interlays', { token: ADMIN_TOKEN });
      expect(after.body.interlays.map((i: { id: string; status: string; desired_state: string }) => [i.id, i.desired_state, i.status])).toEqual([
        ['comes-back', 'started', 'listening'],
        ['stays-down', 'stopped', 'stopped'],
      ]);
      const c = client(port);
      clients.push(c);
      await c.connect();
      expect(await c.ping()).toBe('PONG');
      c.disconnect();

      // With RESTORE_INTERLAYS=false the intent is kept but nothing listens.
      await ctx2.stop();
      await ctx2.close();
      ctx2 = await createContext(loadConfig({ ...env, RESTORE_INTERLAYS: 'false' }), createLogger({ level: 'silent' }), { db: api.db });
      registerContext(ctx2);
      await ctx2.start();
      const off = await api.call('GET', '/api/v1/interlays/comes-back', { token: ADMIN_TOKEN });
      expect(off.body).toMatchObject({ desired_state: 'started', status: 'stopped' });
    } finally {
      await ctx2?.stop();
      await ctx2?.close();
      // api.close() stops and closes the first context again (idempotent) and drops the database.
      registerContext(api.ctx);
    }
  });

  it('restarts a running interlay on the new backend when its endpoint changes', async () => {
    const other = await startRedis();
    try {
      const port = await freePort();
      expect((await create({ id: 'follow', endpoint: 'redis-source', port, start: true, settings: OPEN })).body.status).toBe('listening');
      const upd = await api.call('PATCH', '/api/v1/endpoints/redis-source', { token: ADMIN_TOKEN, body: { config: { target: { host: other.host, port: other.port } } } });
      expect(upd.status).toBe(200);
      await until(async () => {
        const c = client(port);
        try {
          await c.connect();
          await c.set('moved', 'yes');
          return other.cli('GET', 'moved').trim() === 'yes';
        } finally {
          c.disconnect();
        }
      }, 'the interlay to write to the new backend');
      // The audit row is written right after the new listener is up.
      await until(async () => (await api.ctx.prisma.auditLog.count({ where: { objectType: 'interlay', action: 'interlay.restart', objectId: 'follow' } })) === 1, 'the restart to be audited');
      expect((await api.call('GET', '/api/v1/interlays/follow', { token: ADMIN_TOKEN })).body).toMatchObject({ status: 'listening', error: null });
      await api.call('POST', '/api/v1/interlays/follow/stop', { token: ADMIN_TOKEN });
    } finally {
      await other.stop();
    }
  });
});
