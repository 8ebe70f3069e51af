/** Bad input gets a 4xx with the JSON error shape and field paths, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';
import { startRedis, type RedisServer } from '@/test/redis-server';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => redis?.stop());

describe.each(await dbKinds())('bad input on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
  });
  afterAll(async () => api?.close());

  it('answers an audit cursor beyond the bigint range with 400 and the field path', async () => {
    for (const before of ['99999999999999999999999', '9223372036854775808', '-1', 'abc']) {
      const r = await api.call('GET', `/api/v1/audit?before=${before}`, { token: api.adminToken });
      expect(r.status, before).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION');
      expect(r.body.error.issues[0].path).toBe('query.before');
    }
    expect((await api.call('GET', '/api/v1/audit?before=9223372036854775807', { token: api.adminToken })).status).toBe(200);
  });

  it('answers an /api/v1 path no route serves with a JSON 404', async () => {
    const r = await api.call('GET', '/api/v1/endpoints/x/nope/deeper', { token: api.adminToken });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'NOT_FOUND', message: "There is no API route GET /api/v1/endpoints/x/nope/deeper; the README's API section lists them" } });
  });

  it('answers a malformed base64 argument with 400 and its path', async () => {
    await api.call('POST', '/api/v1/endpoints', { token: api.adminToken, body: { endpoint: 'b64', config: { target: { host: '127.0.0.1', port: redis.port } } } });
    const r = await api.call('POST', '/api/v1/endpoints/b64/write', { token: api.adminToken, body: { commands: [['PING'], ['SET', 'k', { $base64: 'AAAAA' }]] } });
    expect(r.status).toBe(400);
    expect(r.body.error.issues[0].path).toBe('commands.1.2');
  });

  it('answers two creates of one name at once with 201 and 409, not 500', async () => {
    const body = { endpoint: 'race', config: { target: { host: '127.0.0.1', port: redis.port } } };
    const statuses = (await Promise.all([1, 2, 3].map(() => api.call('POST', '/api/v1/endpoints', { token: api.adminToken, body })))).map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409]);
  });
});
