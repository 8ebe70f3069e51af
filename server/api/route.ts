/**
 * Thin, typed route handlers: `route({ permission, params, query, body }, fn)` refuses
 * cross-site writes (cross-site.ts), authenticates (session cookie or `Authorization:
 * Bearer`), checks the role, validates params, query and body with zod, calls `fn`, and
 * maps errors through one helper to JSON with one status map.
 */
import type { z } from 'zod';
import { AppError, toErrorResponse, zodIssues, type FieldIssue } from '@/lib/errors';
import { can, type Actor, type Permission } from '@/lib/auth/roles';
import type { ServerContext } from '../context';
import { getContext } from './context';
import { assertJson, assertSameOrigin, isStateChanging, requestHost } from './cross-site';

export const SESSION_COOKIE = 'ri_session';

type Schema<T> = z.ZodType<T>;

export interface RouteArgs<P, Q, B> {
  ctx: ServerContext;
  actor: Actor;
  params: P;
  query: Q;
  body: B;
  req: Request;
}

interface RouteOptions<P, Q, B> {
  /** What the caller must be allowed to do; `public` skips authentication (health, login). */
  permission: Permission | 'public';
  params?: Schema<P>;
  query?: Schema<Q>;
  body?: Schema<B>;
  /** Status for a successful JSON reply (default 200). */
  status?: number;
}

type NextCtx = { params: Promise<Record<string, string | string[]>> };

export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  opts: RouteOptions<P, Q, B>,
  fn: (args: RouteArgs<P, Q, B>) => Promise<unknown>,
): (req: Request, nextCtx: NextCtx) => Promise<Response> {
  return async (req, nextCtx) => {
    try {
      const ctx = getContext();
      // Bearer requests cannot be forged by another site; everything else that changes state can.
      const header = (name: string) => req.headers.get(name);
      if (isStateChanging(req.method) && !req.headers.has('authorization')) {
        assertSameOrigin(header, requestHost(header, req.url), ctx.config.ALLOWED_ORIGINS);
        // A form always declares its (never JSON) type, even when empty; a body is checked when read.
        if (req.headers.has('content-type')) assertJson(header);
      }
      const actor = opts.permission === 'public' ? anonymous(req) : await authenticate(ctx, req);
      if (opts.permission !== 'public' && !can(actor.role, opts.permission)) {
        throw new AppError('FORBIDDEN', `Your role (${actor.role}) may not do this; it needs the "${opts.permission}" permission`);
      }
      const rawParams = nextCtx?.params ? await nextCtx.params : {};
      const params = parse(opts.params, rawParams, 'params') as P;
      const query = parse(opts.query, Object.fromEntries(new URL(req.url).searchParams), 'query') as Q;
      const body = opts.body ? (parse(opts.body, await readJson(req), '') as B) : (undefined as B);
      const result = await fn({ ctx, actor, params, query, body, req });
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result, opts.status ?? 200);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** The handler of the catch-all route: an /api/v1 path no route serves is a JSON 404, never Next's HTML page. */
export async function unknownRoute(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  return errorResponse(new AppError('NOT_FOUND', `There is no API route ${req.method} ${pathname}; the README's API section lists them`));
}

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value, jsonReplacer), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** BigInt ids and counters go out as strings (JSON has no 64-bit integers). */
function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

export function errorResponse(e: unknown): Response {
  const { status, body, headers } = toErrorResponse(e);
  if (status >= 500) {
    try {
      getContext().log.error({ err: e }, 'request failed');
    } catch {
      console.error(e);
    }
  }
  return json(body, status, headers);
}

function parse<T>(schema: Schema<T> | undefined, value: unknown, where: string): T | unknown {
  if (!schema) return value;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues: FieldIssue[] = zodIssues(r.error.issues).map((i) => ({ ...i, path: where ? `${where}.${i.path}` : i.path }));
  throw new AppError('VALIDATION', `Invalid ${where || 'request body'}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** The body as JSON (`{}` when empty). The custom server has already bounded its size (server/http.ts). */
async function readJson(req: Request): Promise<unknown> {
  let text: string;
  try {
    text = await req.text();
  } catch (e) {
    // The client went away mid-body, or the HTTP server cut an over-limit body off.
    throw new AppError('BAD_REQUEST', 'The request body could not be read: the connection closed before it ended', { cause: e });
  }
  if (!text.trim()) return {};
  assertJson((name) => req.headers.get(name));
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'The request body is not valid JSON');
  }
}

export function clientIp(req: Request): string | undefined {
  return req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() || req.headers.get('x-real-ip') || undefined;
}

function anonymous(req: Request): Actor {
  return { userId: '', username: 'anonymous', role: 'viewer', via: 'system', ip: clientIp(req) };
}

export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** Bearer token first (automation), then the session cookie (browser). */
export async function authenticate(ctx: ServerContext, req: Request): Promise<Actor> {
  const ip = clientIp(req);
  const authz = req.headers.get('authorization');
  if (authz) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (!m) throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>"');
    const actor = await ctx.auth.authenticateToken(m[1]!, ip);
    if (!actor) throw new AppError('UNAUTHENTICATED', 'The API token is invalid, expired or revoked');
    return actor;
  }
  const cookie = readCookie(req.headers.get('cookie'), SESSION_COOKIE);
  if (cookie) {
    const actor = await ctx.auth.authenticateSession(cookie, ip);
    if (actor) return actor;
    throw new AppError('UNAUTHENTICATED', 'Your session has expired; sign in again');
  }
  throw new AppError('UNAUTHENTICATED', 'Sign in or send "Authorization: Bearer <token>"');
}

export function sessionCookie(ctx: ServerContext, req: Request, token: string, expires: Date | undefined): string {
  const secure = ctx.config.COOKIE_SECURE === 'auto' ? isHttps(req) : ctx.config.COOKIE_SECURE;
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (secure) parts.push('Secure');
  parts.push(expires ? `Expires=${expires.toUTCString()}` : 'Max-Age=0');
  return parts.join('; ');
}

function isHttps(req: Request): boolean {
  return new URL(req.url).protocol === 'https:' || req.headers.get('x-forwarded-proto') === 'https';
}
