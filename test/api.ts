/**
 * Calls the real /api/v1 route handlers in-process, against a real ServerContext on a test
 * database: the same code path as through Next, without building Next. Routes are found
 * from app/api/v1/**\/route.ts, with [param] folders as path parameters.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { registerContext } from '@/server/api/context';
import { createContext, type ServerContext } from '@/server/context';
import { createTestDatabase, type DbKind, type TestDatabase } from './db';

const API_ROOT = path.resolve(__dirname, '..', 'app', 'api', 'v1');

interface RouteFile {
  pattern: RegExp;
  names: string[];
  file: string;
}

function findRoutes(dir: string, segments: string[] = []): RouteFile[] {
  const out: RouteFile[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...findRoutes(path.join(dir, e.name), [...segments, e.name]));
    else if (e.name === 'route.ts') {
      const names: string[] = [];
      const re = segments.map((s) => {
        const m = /^\[(.+)\]$/.exec(s);
        if (m) {
          names.push(m[1]!);
          return '([^/]+)';
        }
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      });
      out.push({ pattern: new RegExp(`^/api/v1${re.length ? '/' + re.join('/') : ''}$`), names, file: path.join(dir, e.name) });
    }
  }
  // Static segments before parameters, as Next matches them.
  return out.sort((a, b) => a.names.length - b.names.length);
}

const routes = findRoutes(API_ROOT);

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  body?: unknown;
  /** Raw body text (e.g. invalid JSON). */
  rawBody?: string;
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
}

export interface TestApi {
  ctx: ServerContext;
  db: TestDatabase;
  /** The admin's bearer token (ADMIN_TOKEN). */
  adminToken: string;
  call<T = any>(method: string, urlPath: string, opts?: CallOptions): Promise<ApiResponse<T>>;
  /** Creates a user of a role and returns a bearer token for it. */
  tokenFor(role: 'admin' | 'operator' | 'approver' | 'viewer'): Promise<string>;
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'rit_test-admin-token-0123456789abcdefghijklmnop';

export async function startTestApi(kind: DbKind = 'embedded', env: Record<string, string> = {}): Promise<TestApi> {
  const db = await createTestDatabase(kind);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-data-'));
  const config = loadConfig({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'admin-password', ADMIN_TOKEN, LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'false', ...env });
  const ctx = await createContext(config, createLogger({ level: 'silent' }), { db });
  registerContext(ctx);
  await ctx.start();
  const tokens = new Map<string, string>();

  const api: TestApi = {
    ctx,
    db,
    adminToken: ADMIN_TOKEN,
    async call(method, urlPath, opts = {}) {
      const url = new URL(urlPath, 'http://console.test');
      const r = routes.find((rt) => rt.pattern.test(url.pathname));
      if (!r) throw new Error(`no route file for ${url.pathname}`);
      const m = r.pattern.exec(url.pathname)!;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const mod = (await import(r.file)) as Record<string, (req: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>>;
      const handler = mod[method.toUpperCase()];
      if (!handler) return { status: 405, body: undefined, headers: new Headers() };
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.cookie) headers.cookie = opts.cookie;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
      const res = await handler(new Request(url, { method, headers, body }), { params: Promise.resolve(params) });
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      return { status: res.status, body: type.includes('json') && text ? JSON.parse(text) : text, headers: res.headers };
    },
    async tokenFor(role) {
      if (role === 'admin') return ADMIN_TOKEN;
      const existing = tokens.get(role);
      if (existing) return existing;
      const username = `${role}-${tokens.size + 1}`;
      const u = await api.call('POST', '/api/v1/users', { token: ADMIN_TOKEN, body: { username, password: 'password-123', role } });
      if (u.status !== 201) throw new Error(`could not create ${role}: ${JSON.stringify(u.body)}`);
      const login = await api.call('POST', '/api/v1/auth/login', { body: { username, password: 'password-123' } });
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const t = await api.call('POST', '/api/v1/tokens', { cookie, body: { name: `${role} test token` } });
      tokens.set(role, t.body.token);
      return t.body.token;
    },
    async close() {
      await ctx.stop();
      registerContext(undefined);
      await ctx.close();
      await db.destroy().catch(() => {});
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return api;
}
