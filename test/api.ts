/**
 * Calls the real /api/v1 route handlers in-process, against a real ServerContext on a test
 * database: the same code path as through Next, without building Next. Routes are found
 * from app/api/v1/**\/route.ts, with [param] folders as path parameters and [...param]
 * folders as catch-alls (matched last, as Next does).
 *
 * `serveHttp` puts the same routes behind the console's real HTTP server pieces (the
 * request guard of server/http.ts and Socket.IO) on a free port, for tests about what
 * happens before a route handler runs.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Server as IoServer } from 'socket.io';
import { loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { registerContext } from '@/server/api/context';
import { createContext, type ServerContext } from '@/server/context';
import { guardRequests } from '@/server/http';
import { attachSocketIo, type SocketOptions } from '@/server/socket';
import { createTestDatabase, type DbKind, type TestDatabase } from './db';

const API_ROOT = path.resolve(__dirname, '..', 'app', 'api', 'v1');

interface RouteFile {
  pattern: RegExp;
  names: string[];
  file: string;
  catchAll: boolean;
}

function findRoutes(dir: string, segments: string[] = []): RouteFile[] {
  const out: RouteFile[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...findRoutes(path.join(dir, e.name), [...segments, e.name]));
    else if (e.name === 'route.ts') {
      const names: string[] = [];
      let catchAll = false;
      const re = segments.map((s) => {
        const rest = /^\[\.\.\.(.+)\]$/.exec(s);
        if (rest) {
          names.push(rest[1]!);
          catchAll = true;
          return '(.+)';
        }
        const m = /^\[(.+)\]$/.exec(s);
        if (m) {
          names.push(m[1]!);
          return '([^/]+)';
        }
        return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      });
      out.push({ pattern: new RegExp(`^/api/v1${re.length ? '/' + re.join('/') : ''}$`), names, file: path.join(dir, e.name), catchAll });
    }
  }
  // Static segments before parameters, and catch-alls last, as Next matches them.
  return out.sort((a, b) => Number(a.catchAll) - Number(b.catchAll) || a.names.length - b.names.length);
}

const routes = findRoutes(API_ROOT);

type Handler = (req: Request, c: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

/** The route file's handler for a method and path, with its params; undefined handler = Next's 405. */
async function resolve(method: string, pathname: string): Promise<{ handler?: Handler; params: Record<string, string | string[]> } | undefined> {
  const r = routes.find((rt) => rt.pattern.test(pathname));
  if (!r) return undefined;
  const m = r.pattern.exec(pathname)!;
  const params = Object.fromEntries(
    r.names.map((n, i) => [n, r.catchAll && i === r.names.length - 1 ? m[i + 1]!.split('/').map(decodeURIComponent) : decodeURIComponent(m[i + 1]!)]),
  );
  const mod = (await import(r.file)) as Record<string, Handler>;
  return { handler: mod[method.toUpperCase()], params };
}

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
      const found = await resolve(method, url.pathname);
      if (!found) throw new Error(`no route file for ${url.pathname}`);
      const { handler, params } = found;
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

export interface TestHttpServer {
  url: string;
  port: number;
  server: http.Server;
  io: IoServer;
  close(): Promise<void>;
}

/**
 * The console's HTTP stack on a free port: the request guard (server/http.ts), Socket.IO,
 * and in Next's place a small adapter that runs the route handlers the way Next does (the
 * request body streamed to the handler, 405 without a body for a method a route lacks).
 */
export async function serveHttp(api: TestApi, socket: SocketOptions = {}): Promise<TestHttpServer> {
  const cfg = api.ctx.config;
  const server = http.createServer();
  guardRequests({ maxBodySize: cfg.MAX_BODY_SIZE, maxAuthBodySize: cfg.MAX_AUTH_BODY_SIZE, trustProxy: cfg.TRUST_PROXY, log: api.ctx.log }, (req, res) => {
    void nextLike(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  }).install(server);
  const io = attachSocketIo(server, api.ctx, socket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    io: io as unknown as IoServer,
    async close() {
      await new Promise<void>((r) => io.close(() => r()));
      server.closeAllConnections();
    },
  };
}

async function nextLike(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const found = url.pathname.startsWith('/api/v1/') ? await resolve(req.method ?? 'GET', url.pathname) : undefined;
  if (!found) {
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html><body>404: This page could not be found.</body></html>');
    return;
  }
  if (!found.handler) {
    // As Next sends it: the head first, then the end, no body.
    res.writeHead(405);
    res.end();
    return;
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  // As Next does: the IncomingMessage itself, read lazily as an async iterable when the route reads the body.
  const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : (req as unknown as BodyInit);
  const request = new Request(url, { method: req.method, headers, body, duplex: 'half' } as RequestInit);
  const response = await found.handler(request, { params: Promise.resolve(found.params) });
  res.statusCode = response.status;
  response.headers.forEach((v, k) => res.setHeader(k, v));
  if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
  res.end();
}
