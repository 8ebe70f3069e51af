import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '@/test/db';
import { startTestApi, type TestApi } from '@/test/api';

describe.each(await dbKinds())('auth, users, tokens and audit on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
  });
  afterAll(async () => api?.close());

  it('health needs no auth and reports the database', async () => {
    const r = await api.call('GET', '/api/v1/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', database: { kind, ok: true } });
    expect(typeof r.body.version).toBe('string');
  });

  it('every other route needs auth: 401 without credentials or with a bad token', async () => {
    for (const [m, p] of [
      ['GET', '/api/v1/endpoints'],
      ['GET', '/api/v1/users'],
      ['GET', '/api/v1/tokens'],
      ['GET', '/api/v1/audit'],
      ['GET', '/api/v1/auth/me'],
    ] as const) {
      expect((await api.call(m, p)).status, `${m} ${p}`).toBe(401);
      expect((await api.call(m, p, { token: 'rit_nope' })).status).toBe(401);
    }
    const malformed = await api.call('GET', '/api/v1/endpoints', { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.message).toMatch(/Bearer/);
  });

  it('bootstraps the admin from ADMIN_PASSWORD and ADMIN_TOKEN', async () => {
    const me = await api.call('GET', '/api/v1/auth/me', { token: api.adminToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { username: 'admin', role: 'admin' }, via: 'token', permissions: ['read', 'operate', 'approve', 'admin'] });
  });

  it('logs in with a secure session cookie; wrong password is 401; logout ends the session', async () => {
    const bad = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'wrong-password' } });
    expect(bad.status).toBe(401);
    const ok = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'admin-password' } });
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^ri_session=ris_/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const cookie = setCookie.split(';')[0]!;
    expect((await api.call('GET', '/api/v1/auth/me', { cookie })).body.via).toBe('session');
    // The cookie is Secure when the request came over HTTPS.
    const https = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'admin-password' }, headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('set-cookie')).toMatch(/; Secure/);
    await api.call('POST', '/api/v1/auth/logout', { cookie });
    expect((await api.call('GET', '/api/v1/auth/me', { cookie })).status).toBe(401);
  });

  it('stores passwords and tokens only as hashes', async () => {
    const user = await api.ctx.prisma.user.findUniqueOrThrow({ where: { username: 'admin' } });
    expect(user.passwordHash).toMatch(/^scrypt\$/);
    expect(user.passwordHash).not.toContain('admin-password');
    const tokens = await api.ctx.prisma.apiToken.findMany();
    expect(tokens.every((t) => t.tokenHash.length === 64 && !t.tokenHash.includes(api.adminToken))).toBe(true);
  });

  it('enforces roles: 403 for the wrong role, 200 for the right one', async () => {
    const viewer = await api.tokenFor('viewer');
    const operator = await api.tokenFor('operator');
    const approver = await api.tokenFor('approver');
    expect((await api.call('GET', '/api/v1/endpoints', { token: viewer })).status).toBe(200);
    const denied = await api.call('POST', '/api/v1/endpoints', { token: viewer, body: { endpoint: 'x', config: { target: { host: 'h' } } } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('FORBIDDEN');
    expect((await api.call('POST', '/api/v1/endpoints', { token: approver, body: { endpoint: 'x', config: { target: { host: 'h' } } } })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/users', { token: operator })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/users', { token: api.adminToken })).status).toBe(200);
  });

  it('creates, lists and revokes API tokens; the secret is shown once', async () => {
    const created = await api.call('POST', '/api/v1/tokens', { token: api.adminToken, body: { name: 'ci', expires_in_days: 30 } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^rit_/);
    const list = await api.call('GET', '/api/v1/tokens', { token: api.adminToken });
    const row = list.body.tokens.find((t: { id: string }) => t.id === created.body.id);
    expect(row).toMatchObject({ name: 'ci', owner: 'admin', revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect((await api.call('GET', '/api/v1/auth/me', { token: created.body.token })).status).toBe(200);
    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`, { token: api.adminToken })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/auth/me', { token: created.body.token })).status).toBe(401);
  });

  it('manages users (admin) and validates with field paths', async () => {
    const bad = await api.call('POST', '/api/v1/users', { token: api.adminToken, body: { username: 'no spaces', password: 'short', role: 'king' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['password', 'role', 'username']);
    const made = await api.call('POST', '/api/v1/users', { token: api.adminToken, body: { username: 'dana', password: 'password-xyz', role: 'viewer' } });
    expect(made.status).toBe(201);
    expect(JSON.stringify(made.body)).not.toMatch(/password/i);
    expect((await api.call('POST', '/api/v1/users', { token: api.adminToken, body: { username: 'dana', password: 'password-xyz', role: 'viewer' } })).status).toBe(409);
    const promoted = await api.call('PATCH', '/api/v1/users/dana', { token: api.adminToken, body: { role: 'approver', disabled: true } });
    expect(promoted.body).toMatchObject({ role: 'approver', disabled: true });
    const login = await api.call('POST', '/api/v1/auth/login', { body: { username: 'dana', password: 'password-xyz' } });
    expect(login.status).toBe(401);
    expect((await api.call('DELETE', '/api/v1/users/dana', { token: api.adminToken })).status).toBe(204);
    expect((await api.call('DELETE', '/api/v1/users/admin', { token: api.adminToken })).status).toBe(400);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const r = await api.call('POST', '/api/v1/tokens', { token: api.adminToken, rawBody: '{nope', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/not valid JSON/);
  });

  it('records who did what in the audit log', async () => {
    const r = await api.call('GET', '/api/v1/audit?object_type=user', { token: api.adminToken });
    expect(r.status).toBe(200);
    const actions = r.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.bootstrap', 'user.create', 'user.update', 'user.delete', 'user.login']));
    expect(r.body.entries.find((e: { action: string }) => e.action === 'user.create').actor).toBe('admin');
  });
});
