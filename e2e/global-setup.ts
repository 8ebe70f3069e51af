/**
 * Runs once, after the console is up (Playwright starts `webServer` before global set-up):
 * spawns the redis-servers the tests point endpoints at (free ports, never 6379), writes
 * their addresses to .tmp/e2e-redis.json, and signs the admin in through the API so tests
 * start signed in (storageState). The servers live in this, the runner's, process;
 * global-teardown stops them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { request } from '@playwright/test';
import { startRedis, type RedisServer } from '../test/redis-server';
import { ADMIN_PASSWORD, ADMIN_STATE_FILE, ADMIN_USERNAME, BASE_URL, REDIS_FILE, type E2eRedis } from './env';

export { ADMIN_TOKEN } from './env';

const KEY = Symbol.for('redis-interlay.e2e-redis');

export function spawned(): RedisServer[] {
  const g = globalThis as Record<symbol, RedisServer[] | undefined>;
  return (g[KEY] ??= []);
}

export default async function globalSetup(): Promise<void> {
  const primary = await startRedis();
  spawned().push(primary);
  // "Redis server v=7.0.15 sha=…" → "7.0.15", what the check report should show.
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '';
  const info: E2eRedis = { primary: { host: primary.host, port: primary.port, version } };
  fs.mkdirSync(path.dirname(REDIS_FILE), { recursive: true });
  fs.writeFileSync(REDIS_FILE, JSON.stringify(info, null, 2));

  const ctx = await request.newContext({ baseURL: BASE_URL });
  const res = await ctx.post('/api/v1/auth/login', { data: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD } });
  if (!res.ok()) throw new Error(`admin sign-in for the e2e storage state failed: ${res.status()} ${await res.text()}`);
  await ctx.storageState({ path: ADMIN_STATE_FILE });
  await ctx.dispose();
}
