import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { postgresAvailable, TEST_DATABASE_URL } from '@/test/db';
import { createContext } from './context';

const log = createLogger({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c().catch(() => {});
});

async function settings(kind: 'embedded' | 'postgresql'): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-ctx-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  if (kind === 'embedded') return { DATA_DIR: dataDir };
  const schema = `t_ctx_${crypto.randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  cleanups.push(async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
  });
  return { DATA_DIR: dataDir, DATABASE_URL: url.toString() };
}

const kinds = (await postgresAvailable()) ? (['embedded', 'postgresql'] as const) : (['embedded'] as const);

describe.each(kinds)('the console context on %s, configured from the environment', (kind) => {
  it('creates the admin once with a generated password printed once, and keeps its state across restarts', async () => {
    const env = await settings(kind);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let printed = '';
    try {
      const first = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }), log);
      printed = out.mock.calls.map((c) => String(c[0])).join('');
      expect(first.db.kind).toBe(kind);
      const password = /with password: (\S+)/.exec(printed)?.[1];
      expect(password).toBeTruthy();
      await first.auth.login('admin', password!, {});
      await first.close();

      out.mockClear();
      const second = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent', ADMIN_PASSWORD: 'ignored-now-1' }), log);
      // No users were created again, and nothing was printed.
      expect(out.mock.calls.map((c) => String(c[0])).join('')).not.toMatch(/password/);
      expect(await second.prisma.user.count()).toBe(1);
      await expect(second.auth.login('admin', 'ignored-now-1', {})).rejects.toThrow(/Wrong username or password/);
      await second.auth.login('admin', password!, {});
      expect(second.db.migrations.applied).toEqual([]);
      await second.close();
    } finally {
      out.mockRestore();
    }
  });

  it('keeps its data folder private (0700): created so, and tightened when an older version left it open', async () => {
    const env = await settings(kind);
    // A folder that does not exist yet, below the temporary one.
    const fresh = path.join(env.DATA_DIR!, 'fresh', 'data');
    const first = await createContext(loadConfig({ ...env, DATA_DIR: fresh, LOG_LEVEL: 'silent', ADMIN_PASSWORD: 'admin-password' }), log);
    await first.close();
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
    if (kind === 'embedded') expect(fs.statSync(path.join(fresh, 'pglite')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(fresh, 'secret.key')).mode & 0o777).toBe(0o600);

    fs.chmodSync(fresh, 0o755);
    if (kind === 'embedded') fs.chmodSync(path.join(fresh, 'pglite'), 0o755);
    const again = await createContext(loadConfig({ ...env, DATA_DIR: fresh, LOG_LEVEL: 'silent' }), log);
    await again.close();
    expect(fs.statSync(fresh).mode & 0o777).toBe(0o700);
    if (kind === 'embedded') expect(fs.statSync(path.join(fresh, 'pglite')).mode & 0o777).toBe(0o700);
  });
});

describe('shutdown order', () => {
  it('drains interlays before engine work (copy jobs, compatibility runs) pauses, then closes the rest', async () => {
    const env = await settings('embedded');
    const ctx = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent', NODE_ENV: 'test', ADMIN_PASSWORD: 'order-test-password' }), log);
    const order: string[] = [];
    const record = <T extends object>(obj: T, name: keyof T & string, label: string) => {
      const fn = (obj[name] as unknown as (...a: unknown[]) => Promise<unknown>).bind(obj);
      (obj as Record<string, unknown>)[name] = async (...a: unknown[]) => {
        order.push(`${label}:start`);
        const r = await fn(...a);
        order.push(`${label}:done`);
        return r;
      };
    };
    record(ctx.interlays, 'shutdown', 'interlays');
    record(ctx.copyJobs, 'stop', 'copy-jobs');
    record(ctx.compat, 'stop', 'compat');
    await ctx.start();
    await ctx.stop();
    await ctx.close();
    expect(order.slice(0, 2)).toEqual(['interlays:start', 'interlays:done']);
    expect(order).toContain('copy-jobs:done');
    expect(order.indexOf('copy-jobs:start')).toBeGreaterThan(order.indexOf('interlays:done'));
  });
});
