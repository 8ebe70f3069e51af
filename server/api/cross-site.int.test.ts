/**
 * Cookie-authenticated writes come only from the console's own pages, as JSON: cross-site
 * forms and fetches are refused, bearer-token automation is unaffected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';

describe.each(await dbKinds())('cross-site requests on %s', (kind) => {
  let api: TestApi;
  let cookie: string;
  beforeAll(async () => {
    api = await startTestApi(kind, { ALLOWED_ORIGINS: 'https://console.example.com' });
    const r = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'admin-password' } });
    cookie = r.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => api?.close());

  const post = (headers: Record<string, string>, rawBody: string, auth: { cookie?: string; token?: string } = { cookie }) =>
    api.call('POST', '/api/v1/tokens', { ...auth, rawBody, headers });
  const tokenCount = () => api.ctx.prisma.apiToken.count();

  it('refuses a form another site posts with the session cookie (text/plain or url-encoded)', async () => {
    const before = await tokenCount();
    const plain = await post({ origin: 'http://evil.example', 'content-type': 'text/plain' }, '{"name":"csrf"}');
    expect(plain.status).toBe(403);
    expect(plain.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/origin http:\/\/evil\.example/) });
    const form = await post({ origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'name=csrf');
    expect(form.status).toBe(403);
    // Only Sec-Fetch-Site (no Origin), as some requests carry.
    expect((await post({ 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{"name":"csrf"}')).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, '{"name":"csrf"}')).status).toBe(403);
    expect((await post({ origin: 'null', 'content-type': 'application/json' }, '{"name":"csrf"}')).status).toBe(403);
    expect(await tokenCount()).toBe(before);
  });

  it('refuses a same-origin cookie write that is not JSON with 415', async () => {
    const r = await post({ origin: 'http://console.test', 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' }, '{"name":"x"}');
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await post({ 'content-type': 'application/x-www-form-urlencoded' }, 'name=x')).status).toBe(415);
  });

  it('accepts JSON from its own pages and from ALLOWED_ORIGINS', async () => {
    expect((await post({ origin: 'http://console.test', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, '{"name":"own"}')).status).toBe(201);
    expect((await post({ origin: 'https://console.example.com', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{"name":"listed"}')).status).toBe(201);
    // Behind a proxy: the Origin matches the host the browser addressed.
    expect((await post({ origin: 'https://proxy.example', 'x-forwarded-host': 'proxy.example', 'content-type': 'application/json' }, '{"name":"proxied"}')).status).toBe(201);
  });

  it('refuses a cross-site sign-in and sign-out too (no cookie needed to forge those)', async () => {
    const login = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: 'admin-password' }, headers: { origin: 'http://evil.example' } });
    expect(login.status).toBe(403);
    const logout = await api.call('POST', '/api/v1/auth/logout', { cookie, body: {}, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(logout.status).toBe(403);
    expect((await api.call('GET', '/api/v1/auth/me', { cookie })).status).toBe(200);
  });

  it('leaves bearer-token requests alone (another site cannot add the header), but wants JSON bodies', async () => {
    expect((await post({ origin: 'http://evil.example', 'content-type': 'application/json' }, '{"name":"bot"}', { token: api.adminToken })).status).toBe(201);
    expect((await post({ 'content-type': 'text/plain' }, '{"name":"bot"}', { token: api.adminToken })).status).toBe(415);
  });

  it('reads with a cookie from anywhere: GET changes nothing', async () => {
    expect((await api.call('GET', '/api/v1/tokens', { cookie, headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });
});
