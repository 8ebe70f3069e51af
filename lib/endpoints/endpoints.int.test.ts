import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';
import { SecretBox } from './secrets';

let plain: RedisServer;
let secured: RedisServer;
let tls: RedisServer;

beforeAll(async () => {
  [plain, secured, tls] = await Promise.all([
    startRedis(),
    startRedis({ password: 'default-pw', aclUsers: ['user reader on >reader-pw ~* +@read +@connection +info -@dangerous', 'user writer on >writer-pw ~* +@all'] }),
    startRedis({ tls: true }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain, secured, tls].map((s) => s?.stop()));
});

const conn = (s: RedisServer, extra: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: s.port, ...extra });

describe.each(await dbKinds())('endpoints API on %s', (kind) => {
  let api: TestApi;
  let admin: string;
  beforeAll(async () => {
    api = await startTestApi(kind);
    admin = api.adminToken;
    // The servers are shared by both database kinds' runs: start each run from empty.
    for (const s of [plain, secured, tls]) s.cli('FLUSHALL');
  });
  afterAll(async () => api?.close());

  it('creates an endpoint, masks passwords in responses and seals them at rest', async () => {
    const r = await api.call('POST', '/api/v1/endpoints', {
      token: admin,
      body: {
        endpoint: 'acl',
        description: 'ACL users',
        config: { read_conn: conn(secured, { username: 'reader', password: 'reader-pw' }), write_conn: conn(secured, { username: 'writer', password: 'writer-pw' }) },
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.config.read_conn).toMatchObject({ username: 'reader', password: '********', has_password: true, port: secured.port });
    expect(JSON.stringify(r.body)).not.toMatch(/reader-pw|writer-pw/);
    const list = await api.call('GET', '/api/v1/endpoints', { token: admin });
    expect(JSON.stringify(list.body)).not.toMatch(/reader-pw|writer-pw/);
    const row = await api.ctx.prisma.endpoint.findUniqueOrThrow({ where: { name: 'acl' } });
    const stored = row.config as { read_conn: { password: string } };
    expect(SecretBox.isSealed(stored.read_conn.password)).toBe(true);
    expect(JSON.stringify(row.config)).not.toMatch(/reader-pw|writer-pw/);
    expect((await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'acl', config: { target: conn(plain) } } })).status).toBe(409);
  });

  it('rejects a mixed config and bad fields with 400 and field paths', async () => {
    const mixed = await api.call('POST', '/api/v1/endpoints', {
      token: admin,
      body: { endpoint: 'mixed', config: { read_conn: conn(plain), write_conn: conn(plain), target: conn(plain) } },
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.issues).toEqual([{ path: 'config', message: expect.stringMatching(/not both/) }]);
    const bad = await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'bad', config: { target: { host: 'h', port: 0 } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('config.target.port');
  });

  it('checks every role: reachable, latency, version, mode, databases, modules', async () => {
    plain.cli('SET', 'k1', 'v');
    plain.cli('-n', '2', 'SET', 'k2', 'v');
    await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'plain', config: { target: conn(plain), admin_credentials: {} } } });
    const r = await api.call('POST', '/api/v1/endpoints/plain/check', { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    expect(Object.keys(r.body.roles).sort()).toEqual(['admin', 'read', 'write']);
    const read = r.body.roles.read;
    expect(read).toMatchObject({ reachable: true, server: { product: 'redis', mode: 'standalone' }, modules: [] });
    expect(read.server.version).toMatch(/^\d+\.\d+/);
    expect(read.latency_ms).toBeGreaterThan(0);
    expect(read.databases).toEqual(expect.arrayContaining([{ db: 0, keys: 1, expires: 0 }, { db: 2, keys: 1, expires: 0 }]));
    const got = await api.call('GET', '/api/v1/endpoints/plain', { token: admin });
    expect(got.body.last_check.ok).toBe(true);
  });

  it('reports readable errors: wrong password, missing password, refused, TLS mismatch', async () => {
    const port = await freePort();
    await api.call('POST', '/api/v1/endpoints', {
      token: admin,
      body: {
        endpoint: 'broken',
        config: {
          read_conn: conn(secured, { username: 'reader', password: 'nope' }),
          write_conn: conn(secured),
          admin_conn: { host: '127.0.0.1', port },
          connect_timeout_ms: 1000,
        },
      },
    });
    const r = await api.call('POST', '/api/v1/endpoints/broken/check', { token: admin });
    expect(r.body.ok).toBe(false);
    expect(r.body.roles.read).toMatchObject({ reachable: false, error: { code: 'AUTH' } });
    expect(r.body.roles.read.error.message).toMatch(/reader/);
    expect(r.body.roles.write.error.code).toBe('AUTH');
    expect(r.body.roles.write.error.message).toMatch(/requires a password/);
    expect(r.body.roles.admin).toMatchObject({ reachable: false, error: { code: 'REFUSED' } });
    await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'plain-as-tls', config: { target: conn(plain, { tls: true }), connect_timeout_ms: 1000 } } });
    const t = await api.call('POST', '/api/v1/endpoints/plain-as-tls/check', { token: admin });
    expect(t.body.roles.read.reachable).toBe(false);
    expect(['TLS', 'TIMEOUT']).toContain(t.body.roles.read.error.code);
  });

  it('connects over TLS with the CA from the endpoint, and refuses an unknown CA unless skip_verify', async () => {
    await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'tls', config: { target: conn(tls, { tls: true }), tls_options: { ca: tls.tls!.ca } } } });
    const ok = await api.call('POST', '/api/v1/endpoints/tls/check', { token: admin });
    expect(ok.body.roles.read).toMatchObject({ reachable: true, tls: true });
    await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'tls-noca', config: { target: conn(tls, { tls: true }) } } });
    const bad = await api.call('POST', '/api/v1/endpoints/tls-noca/check', { token: admin });
    expect(bad.body.roles.read.error.code).toBe('TLS');
    await api.call('PATCH', '/api/v1/endpoints/tls-noca', { token: admin, body: { config: { target: conn(tls, { tls: true }), tls_options: { skip_verify: true } } } });
    expect((await api.call('POST', '/api/v1/endpoints/tls-noca/check', { token: admin })).body.roles.read.reachable).toBe(true);
  });

  it('runs direct calls: write then read, pipelines, errors as values, read refuses writes', async () => {
    const w = await api.call('POST', '/api/v1/endpoints/acl/write', { token: admin, body: { command: ['SET', 'greeting', 'hello world'] } });
    expect(w.status).toBe(200);
    expect(w.body.reply).toBe('OK');
    const r = await api.call('POST', '/api/v1/endpoints/acl/read', { token: admin, body: { command: ['GET', 'greeting'] } });
    expect(r.body.reply).toBe('hello world');
    const p = await api.call('POST', '/api/v1/endpoints/acl/write', {
      token: admin,
      body: { commands: [['SET', { $base64: Buffer.from([0xff, 0x00, 0xfe]).toString('base64') }, { $base64: Buffer.from([0x80, 0x81]).toString('base64') }], ['INCR', 'n'], ['INCR', 'greeting'], ['GET', { $base64: Buffer.from([0xff, 0x00, 0xfe]).toString('base64') }]] },
    });
    expect(p.body.replies).toEqual(['OK', 1, { $error: 'ERR value is not an integer or out of range' }, { $base64: Buffer.from([0x80, 0x81]).toString('base64') }]);
    const refused = await api.call('POST', '/api/v1/endpoints/acl/read', { token: admin, body: { command: ['SET', 'x', '1'] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/SET/);
    const refusedAdmin = await api.call('POST', '/api/v1/endpoints/acl/read', { token: admin, body: { commands: [['GET', 'x'], ['CONFIG', 'SET', 'maxmemory', '1']] } });
    expect(refusedAdmin.status).toBe(400);
    expect(refusedAdmin.body.error.issues[0].path).toBe('commands.1');
    expect((await api.call('POST', '/api/v1/endpoints/acl/read', { token: admin, body: { command: [] } })).status).toBe(400);
    // The reader ACL user cannot write even if asked on the read connection's own terms.
    const noperm = await api.call('POST', '/api/v1/endpoints/acl/read', { token: admin, body: { command: ['KEYS', '*'] } });
    expect(noperm.status).toBe(200);
  });

  it('keeps RESP3 types over protocol_version 3', async () => {
    await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'resp3', config: { target: conn(plain, { protocol_version: 3 }) } } });
    const r = await api.call('POST', '/api/v1/endpoints/resp3/write', {
      token: admin,
      body: { commands: [['HSET', 'h', 'f', 'v'], ['HGETALL', 'h'], ['ZADD', 'z', '1.5', 'm'], ['ZSCORE', 'z', 'm'], ['SADD', 's', 'a'], ['SMEMBERS', 's'], ['GET', 'missing']] },
    });
    expect(r.body.replies).toEqual([1, { $map: [['f', 'v']] }, 1, { $double: 1.5 }, 1, { $set: ['a'] }, null]);
  });

  it('PATCH keeps a password that is not sent, and replaces one that is', async () => {
    const before = await api.ctx.prisma.endpoint.findUniqueOrThrow({ where: { name: 'acl' } });
    const keep = await api.call('PATCH', '/api/v1/endpoints/acl', {
      token: admin,
      body: { description: 'changed', config: { read_conn: conn(secured, { username: 'reader' }), write_conn: conn(secured, { username: 'writer', password: '********' }) } },
    });
    expect(keep.status).toBe(200);
    expect(keep.body.version).toBe(before.version + 1);
    expect((await api.call('POST', '/api/v1/endpoints/acl/check', { token: admin })).body.ok).toBe(true);
    await api.call('PATCH', '/api/v1/endpoints/acl', { token: admin, body: { config: { read_conn: conn(secured, { username: 'reader', password: 'wrong' }), write_conn: conn(secured, { username: 'writer' }) } } });
    const check = await api.call('POST', '/api/v1/endpoints/acl/check', { token: admin });
    expect(check.body.roles.read.error.code).toBe('AUTH');
    expect(check.body.roles.write.reachable).toBe(true);
    const rename = await api.call('PATCH', '/api/v1/endpoints/acl', { token: admin, body: { endpoint: 'other' } });
    expect(rename.status).toBe(400);
  });

  it('lets viewers read but not write, and refuses to delete an endpoint in use', async () => {
    const viewer = await api.tokenFor('viewer');
    expect((await api.call('POST', '/api/v1/endpoints/plain/read', { token: viewer, body: { command: ['PING'] } })).body.reply).toBe('PONG');
    expect((await api.call('POST', '/api/v1/endpoints/plain/write', { token: viewer, body: { command: ['SET', 'a', 'b'] } })).status).toBe(403);
    expect((await api.call('DELETE', '/api/v1/endpoints/plain', { token: viewer })).status).toBe(403);
    api.ctx.endpoints.registerUsage(async (name) => (name === 'plain' ? [{ type: 'interlay', id: 'test-interlay' }] : []));
    const inUse = await api.call('DELETE', '/api/v1/endpoints/plain', { token: admin });
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toMatch(/test-interlay/);
    expect((await api.call('DELETE', '/api/v1/endpoints/resp3', { token: admin })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/endpoints/resp3', { token: admin })).status).toBe(404);
  });

  it('answers a backend outage with an error, not a hang', async () => {
    const port = await freePort();
    await api.call('POST', '/api/v1/endpoints', { token: admin, body: { endpoint: 'down', config: { target: { host: '127.0.0.1', port }, connect_timeout_ms: 500 } } });
    const r = await api.call('POST', '/api/v1/endpoints/down/read', { token: admin, body: { command: ['PING'] } });
    expect(r.status).toBe(502);
    expect(r.body.error.message).toMatch(/refused|ECONNREFUSED/i);
  });
});
