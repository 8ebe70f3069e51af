/**
 * Sign-in throttling through the login route: per username and per client address, 429 with
 * Retry-After, audited, and a sign-in that works again once the lock has passed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';

describe.each(await dbKinds())('sign-in throttling on %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
    for (const username of ['victim', 'other']) {
      expect((await api.call('POST', '/api/v1/users', { token: api.adminToken, body: { username, password: 'right-password', role: 'viewer' } })).status).toBe(201);
    }
  });
  afterAll(async () => api?.close());
  afterEach(() => vi.useRealTimers());

  const login = (username: string, password: string, ip?: string) =>
    api.call('POST', '/api/v1/auth/login', { body: { username, password }, headers: ip ? { 'x-forwarded-for': ip } : {} });

  it('locks a username after 5 wrong passwords: 429 with Retry-After even for the right one, until the lock passes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await login('victim', `guess-${i}`, `198.51.100.${i % 50}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));

    const locked = await login('victim', 'right-password', '198.51.100.200');
    expect(locked.status).toBe(429);
    expect(locked.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/this user; try again in \d+ s/), details: { scope: 'user' } });
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    // Another user is not affected.
    expect((await login('other', 'right-password')).status).toBe(200);

    // Refusals are audited, coalesced: the first at once, the rest counted into the next row.
    const audited = await api.ctx.prisma.auditLog.findMany({ where: { action: 'user.login_throttled', objectId: 'victim' } });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actorName: 'anonymous', details: { scope: 'user', refused: 1 } });

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + (retryAfter + 1) * 1000 });
    const ok = await login('victim', 'right-password');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/^ri_session=/);
  });

  it('locks a client address after 20 failures across usernames', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`nobody-${i}`, 'wrong', '203.0.113.5')).status).toBe(401);
    const r = await login('other', 'right-password', '203.0.113.5');
    expect(r.status).toBe(429);
    expect(r.body.error.details.scope).toBe('address');
    expect(r.body.error.message).toMatch(/your address/);
    expect((await login('other', 'right-password', '203.0.113.6')).status).toBe(200);
  });

  it('throttles guesses of the current password on a password change', async () => {
    const cookie = (await login('other', 'right-password', '192.0.2.50')).headers.get('set-cookie')!.split(';')[0]!;
    const change = (current: string) => api.call('POST', '/api/v1/auth/password', { cookie, body: { current_password: current, new_password: 'new-password-1' } });
    for (let i = 0; i < 5; i++) expect((await change(`guess-${i}`)).status).toBe(400);
    const r = await change('right-password');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
