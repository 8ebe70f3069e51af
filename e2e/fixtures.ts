/**
 * Test fixtures: `api` is a request context authenticated with the bootstrap admin's
 * bearer token (no cookies) for seeding state, `redis` the spawned servers' addresses,
 * and `uid` a per-test suffix so names never collide across tests or runs.
 */
import fs from 'node:fs';
import { test as base, expect, request, type APIRequestContext } from '@playwright/test';
import { ADMIN_TOKEN, BASE_URL, REDIS_FILE, type E2eRedis } from './env';

export interface Seed {
  /** Creates an endpoint with separate read/write connections to one server. */
  endpoint(name: string, host: string, port: number): Promise<void>;
  user(username: string, password: string, role: 'admin' | 'operator' | 'approver' | 'viewer'): Promise<void>;
}

export const test = base.extend<{ api: APIRequestContext; seed: Seed; redis: E2eRedis; uid: string }>({
  api: async ({}, use) => {
    const ctx = await request.newContext({ baseURL: BASE_URL, storageState: { cookies: [], origins: [] }, extraHTTPHeaders: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await use(ctx);
    await ctx.dispose();
  },
  seed: async ({ api }, use) => {
    const created: { endpoints: string[]; users: string[] } = { endpoints: [], users: [] };
    await use({
      async endpoint(name, host, port) {
        const r = await api.post('/api/v1/endpoints', { data: { endpoint: name, kind: 'redis', config: { read_conn: { host, port }, write_conn: { host, port } } } });
        expect(r.status(), await r.text()).toBe(201);
        created.endpoints.push(name);
      },
      async user(username, password, role) {
        const r = await api.post('/api/v1/users', { data: { username, password, role } });
        expect(r.status(), await r.text()).toBe(201);
        created.users.push(username);
      },
    });
    for (const e of created.endpoints) await api.delete(`/api/v1/endpoints/${e}`);
    for (const u of created.users) await api.delete(`/api/v1/users/${u}`);
  },
  redis: async ({}, use) => {
    await use(JSON.parse(fs.readFileSync(REDIS_FILE, 'utf8')) as E2eRedis);
  },
  uid: async ({}, use, info) => {
    await use(`${Date.now().toString(36)}${info.workerIndex}${Math.floor(Math.random() * 1000)}`);
  },
});

export { expect };
