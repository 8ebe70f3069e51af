/**
 * Stored passwords stay where they were entered for, and server secrets do not come back
 * through the command console: regression tests for the two ways an operator could
 * recover a password (redirecting an endpoint; CONFIG GET through /write).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';
import { startRedis, tlsMaterial, type RedisServer } from '@/test/redis-server';

const SECRET = 'stored-secret-pw';
let real: RedisServer;
/** Stands for a server the operator controls: it accepts exactly the stored password, so reaching it proves the password was sent. */
let elsewhere: RedisServer;
let tls: RedisServer;

beforeAll(async () => {
  [real, elsewhere, tls] = await Promise.all([
    startRedis({ password: SECRET, aclUsers: ['user reader on >reader-pw ~* +@read +@connection'], config: { masterauth: 'replica-secret' } }),
    startRedis({ password: SECRET }),
    startRedis({ tls: true, password: SECRET }),
  ]);
});
afterAll(async () => {
  await Promise.all([real, elsewhere, tls].map((s) => s?.stop()));
});

describe.each(await dbKinds())('stored endpoint passwords on %s', (kind) => {
  let api: TestApi;
  let operator: string;
  beforeAll(async () => {
    api = await startTestApi(kind);
    operator = await api.tokenFor('operator');
  });
  afterAll(async () => api?.close());

  const create = async (name: string) => {
    const r = await api.call('POST', '/api/v1/endpoints', { token: operator, body: { endpoint: name, config: { target: { host: '127.0.0.1', port: real.port }, read_credentials: { password: SECRET }, write_credentials: { password: SECRET } } } });
    expect(r.status).toBe(201);
  };

  it('are not sent to another host or port kept with the masked password: the change needs the password again', async () => {
    await create('redirect');
    for (const target of [
      { host: '127.0.0.1', port: elsewhere.port },
      { host: 'localhost', port: real.port },
    ]) {
      const r = await api.call('PATCH', '/api/v1/endpoints/redirect', {
        token: operator,
        body: { config: { target, read_credentials: { password: '********' }, write_credentials: {} } },
      });
      expect(r.status, JSON.stringify(target)).toBe(400);
      expect(r.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['config.read_credentials.password', 'config.write_credentials.password']);
    }
    // Nothing changed: the endpoint and its check still go to the real server.
    expect((await api.call('GET', '/api/v1/endpoints/redirect', { token: operator })).body.config.target).toMatchObject({ host: '127.0.0.1', port: real.port });
    const check = await api.call('POST', '/api/v1/endpoints/redirect/check', { token: operator });
    expect(check.body.roles.read).toMatchObject({ reachable: true });
    // Entering the password again moves it; an empty one means none.
    const moved = await api.call('PATCH', '/api/v1/endpoints/redirect', {
      token: operator,
      body: { config: { target: { host: '127.0.0.1', port: elsewhere.port }, read_credentials: { password: SECRET }, write_credentials: { password: '' } } },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.config.read_credentials).toMatchObject({ has_password: true });
    expect(moved.body.config.write_credentials).toMatchObject({ has_password: false });
  });

  it('are not sent when TLS or its trust settings change, and stay for changes elsewhere', async () => {
    const r = await api.call('POST', '/api/v1/endpoints', {
      token: operator,
      body: { endpoint: 'tls-pw', config: { target: { host: '127.0.0.1', port: tls.port, tls: true }, tls_options: { ca: tlsMaterial().ca }, read_credentials: { password: SECRET } } },
    });
    expect(r.status).toBe(201);
    const skip = await api.call('PATCH', '/api/v1/endpoints/tls-pw', {
      token: operator,
      body: { config: { target: { host: '127.0.0.1', port: tls.port, tls: true }, tls_options: { skip_verify: true }, read_credentials: { password: '********' } } },
    });
    expect(skip.status).toBe(400);
    expect(skip.body.error.issues[0].path).toBe('config.read_credentials.password');
    const plain = await api.call('PATCH', '/api/v1/endpoints/tls-pw', {
      token: operator,
      body: { config: { target: { host: '127.0.0.1', port: tls.port, tls: false }, read_credentials: {} } },
    });
    expect(plain.status).toBe(400);
    // Same place, other settings: the stored password stays and still works.
    const same = await api.call('PATCH', '/api/v1/endpoints/tls-pw', {
      token: operator,
      body: { description: 'db and timeouts only', config: { target: { host: '127.0.0.1', port: tls.port, tls: true, db: 1 }, tls_options: { ca: tlsMaterial().ca }, read_credentials: { password: '********' }, connect_timeout_ms: 2000 } },
    });
    expect(same.status).toBe(200);
    expect((await api.call('POST', '/api/v1/endpoints/tls-pw/check', { token: operator })).body.roles.read).toMatchObject({ reachable: true });
  });
});

describe.each(await dbKinds())('server secrets through the command console on %s', (kind) => {
  let api: TestApi;
  let operator: string;
  let viewer: string;
  beforeAll(async () => {
    api = await startTestApi(kind);
    [operator, viewer] = [await api.tokenFor('operator'), await api.tokenFor('viewer')];
    for (const [name, protocol] of [
      ['secrets', 2],
      ['secrets3', 3],
    ] as const) {
      const r = await api.call('POST', '/api/v1/endpoints', {
        token: api.adminToken,
        body: { endpoint: name, config: { target: { host: '127.0.0.1', port: real.port, protocol_version: protocol }, read_credentials: { username: 'reader', password: 'reader-pw' }, write_credentials: { password: SECRET } } },
      });
      expect(r.status).toBe(201);
    }
  });
  afterAll(async () => api?.close());

  it('refuses admin and dangerous commands on /write to non-admins', async () => {
    for (const command of [['CONFIG', 'GET', 'requirepass'], ['ACL', 'LIST'], ['FLUSHALL'], ['DEBUG', 'SLEEP', '0']]) {
      const r = await api.call('POST', '/api/v1/endpoints/secrets/write', { token: operator, body: { command } });
      expect(r.status, command.join(' ')).toBe(403);
      expect(r.body.error).toMatchObject({ code: 'FORBIDDEN', details: { run_on: 'write', needs: 'admin', index: 0 } });
      expect(JSON.stringify(r.body)).not.toContain(SECRET);
    }
    expect((await api.call('POST', '/api/v1/endpoints/secrets/write', { token: viewer, body: { command: ['CONFIG', 'GET', 'requirepass'] } })).status).toBe(403);
    // Ordinary writes stay open to operators.
    expect((await api.call('POST', '/api/v1/endpoints/secrets/write', { token: operator, body: { command: ['SET', 'k', 'v'] } })).body.reply).toBe('OK');
  });

  it('runs admin commands for admins, with secret configuration values redacted (RESP2 and RESP3, any pattern, in transactions)', async () => {
    for (const endpoint of ['secrets', 'secrets3']) {
      const r = await api.call('POST', `/api/v1/endpoints/${endpoint}/write`, {
        token: api.adminToken,
        body: { commands: [['CONFIG', 'GET', 'requirepass'], ['CONFIG', 'GET', '*'], ['config', 'get', 'masterauth', 'maxmemory'], ['MULTI'], ['CONFIG', 'GET', 'requirepass'], ['EXEC']] },
      });
      expect(r.status, endpoint).toBe(200);
      const text = JSON.stringify(r.body);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('replica-secret');
      const pairs = (reply: unknown): Record<string, unknown> =>
        Array.isArray(reply) ? Object.fromEntries(reply.flatMap((v, i) => (i % 2 ? [] : [[v, reply[i + 1]]]))) : Object.fromEntries((reply as { $map: [string, unknown][] }).$map);
      expect(pairs(r.body.replies[0])).toEqual({ requirepass: '<redacted>' });
      expect(pairs(r.body.replies[1])).toMatchObject({ requirepass: '<redacted>', masterauth: '<redacted>', 'tls-key-file-pass': '<redacted>', maxmemory: '0' });
      expect(pairs(r.body.replies[2])).toEqual({ masterauth: '<redacted>', maxmemory: '0' });
      expect(pairs(r.body.replies[5][0])).toEqual({ requirepass: '<redacted>' });
    }
  });

  it('redacts password hashes from ACL GETUSER and ACL LIST, admins included', async () => {
    const r = await api.call('POST', '/api/v1/endpoints/secrets/write', { token: api.adminToken, body: { commands: [['ACL', 'GETUSER', 'reader'], ['ACL', 'LIST']] } });
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).not.toMatch(/[0-9a-f]{64}/);
    const user = r.body.replies[0] as unknown[];
    expect(user[user.indexOf('passwords') + 1]).toEqual(['<redacted>']);
    expect((r.body.replies[1] as string[]).find((l) => l.startsWith('user reader'))).toContain('#<redacted>');
  });

  it('tells the console where a refused command can run instead', async () => {
    const write = await api.call('POST', '/api/v1/endpoints/secrets/read', { token: operator, body: { command: ['SET', 'k', 'v'] } });
    expect(write.status).toBe(400);
    expect(write.body.error.details).toEqual({ command: 'SET', index: 0, run_on: 'write', needs: 'operate' });
    const admin = await api.call('POST', '/api/v1/endpoints/secrets/read', { token: operator, body: { commands: [['GET', 'k'], ['CONFIG', 'GET', 'requirepass']] } });
    expect(admin.body.error.details).toEqual({ command: 'CONFIG GET', index: 1, run_on: 'write', needs: 'admin' });
  });
});
