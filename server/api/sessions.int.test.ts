/**
 * Sessions, tokens and sockets end with their grounds: a password change, a revoked parent
 * token, a disabled or deleted user, an expired session. Route handlers and Socket.IO on the
 * console's HTTP stack, real database.
 */
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PATH } from '@/lib/events';
import { serveHttp, startTestApi, type TestApi, type TestHttpServer } from '@/test/api';
import { dbKinds } from '@/test/db';

describe.each(await dbKinds())('credentials and their grounds on %s', (kind) => {
  let api: TestApi;
  let srv: TestHttpServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    api = await startTestApi(kind);
    // A short re-validation period so expiry (which no event announces) shows within the test.
    srv = await serveHttp(api, { revalidateMs: 200 });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await srv?.close();
    await api?.close();
  });

  const user = async (username: string, role = 'operator') => {
    const r = await api.call('POST', '/api/v1/users', { token: api.adminToken, body: { username, password: 'password-123', role } });
    expect(r.status).toBe(201);
  };
  const login = async (username: string, password = 'password-123') => {
    const r = await api.call('POST', '/api/v1/auth/login', { body: { username, password } });
    expect(r.status).toBe(200);
    return r.headers.get('set-cookie')!.split(';')[0]!;
  };
  const mint = async (auth: { cookie?: string; token?: string }, body: Record<string, unknown> = {}) => {
    const r = await api.call('POST', '/api/v1/tokens', { ...auth, body: { name: 'minted', ...body } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string; token: string; expires_at: string | null; parent_id: string | null };
  };
  const me = async (auth: { cookie?: string; token?: string }) => (await api.call('GET', '/api/v1/auth/me', auth)).status;

  /** A connected Socket.IO client; resolves once the server accepted it. */
  const socket = async (auth: { cookie?: string; token?: string; origin?: string }) => {
    const s = connect(srv.url, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      reconnection: false,
      auth: auth.token ? { token: auth.token } : {},
      extraHeaders: { ...(auth.cookie ? { cookie: auth.cookie } : {}), ...(auth.origin ? { origin: auth.origin } : {}) },
    });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', reject);
    });
    return s;
  };
  const disconnected = (s: Socket) => new Promise<string>((resolve) => (s.connected ? s.once('disconnect', (reason) => resolve(reason)) : resolve('already')));

  it('ends the other sessions and every API token when a user changes their password', async () => {
    await user('pat');
    const here = await login('pat');
    const there = await login('pat');
    const token = (await mint({ cookie: here })).token;
    const hereSocket = await socket({ cookie: here });
    const thereSocket = await socket({ cookie: there });
    const tokenSocket = await socket({ token });
    const gone = [disconnected(thereSocket), disconnected(tokenSocket)];

    const r = await api.call('POST', '/api/v1/auth/password', { cookie: here, body: { current_password: 'password-123', new_password: 'password-456' } });
    expect(r.status).toBe(200);
    expect(await me({ cookie: there })).toBe(401);
    expect(await me({ token })).toBe(401);
    expect(await me({ cookie: here })).toBe(200);
    expect(r.body).toEqual({ ok: true, ended: { sessions: 1, tokens: 1 } });
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(hereSocket.connected).toBe(true);
    await login('pat', 'password-456');
  });

  it('ends sessions and tokens when an admin sets a password, and sockets when a user is disabled or deleted', async () => {
    await user('quinn');
    const cookie = await login('quinn');
    const token = (await mint({ cookie })).token;
    const s1 = await socket({ cookie });
    const s2 = await socket({ token });
    const gone = [disconnected(s1), disconnected(s2)];
    expect((await api.call('PATCH', '/api/v1/users/quinn', { token: api.adminToken, body: { password: 'password-789' } })).status).toBe(200);
    expect(await me({ cookie })).toBe(401);
    expect(await me({ token })).toBe(401);
    await Promise.all(gone);

    const again = await login('quinn', 'password-789');
    const s3 = await socket({ cookie: again });
    const disabled = disconnected(s3);
    expect((await api.call('PATCH', '/api/v1/users/quinn', { token: api.adminToken, body: { disabled: true } })).status).toBe(200);
    expect(await disabled).toBe('io server disconnect');

    await api.call('PATCH', '/api/v1/users/quinn', { token: api.adminToken, body: { disabled: false } });
    const s4 = await socket({ token: (await mint({ cookie: await login('quinn', 'password-789') })).token });
    const deleted = disconnected(s4);
    expect((await api.call('DELETE', '/api/v1/users/quinn', { token: api.adminToken })).status).toBe(204);
    expect(await deleted).toBe('io server disconnect');
  });

  it('disconnects a socket when its token is revoked or its session signs out', async () => {
    await user('rae');
    const cookie = await login('rae');
    const token = await mint({ cookie });
    const byToken = await socket({ token: token.token });
    const bySession = await socket({ cookie });
    const revoked = disconnected(byToken);
    expect((await api.call('DELETE', `/api/v1/tokens/${token.id}`, { cookie })).status).toBe(204);
    expect(await revoked).toBe('io server disconnect');
    expect(bySession.connected).toBe(true);
    const out = disconnected(bySession);
    await api.call('POST', '/api/v1/auth/logout', { cookie, body: {} });
    expect(await out).toBe('io server disconnect');
  });

  it('disconnects a socket whose session expired, on the periodic re-validation', async () => {
    await user('sam');
    const cookie = await login('sam');
    const s = await socket({ cookie });
    const gone = disconnected(s);
    const u = await api.ctx.prisma.user.findUniqueOrThrow({ where: { username: 'sam' } });
    // Expiry announces itself to nobody: only the periodic check can notice.
    await api.ctx.prisma.session.updateMany({ where: { userId: u.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await gone).toBe('io server disconnect');
  });

  it('refuses a cookie-authenticated socket opened by another site', async () => {
    await user('tia');
    const cookie = await login('tia');
    await expect(socket({ cookie, origin: 'http://evil.example' })).rejects.toThrow();
    const own = await socket({ cookie, origin: srv.url });
    expect(own.connected).toBe(true);
  });

  it('caps a minted token at its parent: expiry no later, revoked together', async () => {
    await user('uma');
    const cookie = await login('uma');
    const parent = await mint({ cookie }, { expires_in_days: 1 });
    const longer = await mint({ token: parent.token }, { expires_in_days: 30 });
    const unset = await mint({ token: parent.token });
    expect(longer.expires_at).toBe(parent.expires_at);
    expect(unset.expires_at).toBe(parent.expires_at);
    expect(longer.parent_id).toBe(parent.id);
    const shorter = await mint({ token: parent.token }, { expires_in_days: 1 });
    expect(new Date(shorter.expires_at!).getTime()).toBeLessThanOrEqual(new Date(parent.expires_at!).getTime());
    const grandchild = await mint({ token: longer.token });
    expect(grandchild.expires_at).toBe(parent.expires_at);
    // A token minted with a session (no parent token) keeps what it asked for.
    expect((await mint({ cookie })).expires_at).toBeNull();

    expect((await api.call('DELETE', `/api/v1/tokens/${parent.id}`, { cookie })).status).toBe(204);
    for (const t of [parent, longer, unset, shorter, grandchild]) expect(await me({ token: t.token })).toBe(401);
  });
});
