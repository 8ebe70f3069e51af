/**
 * What the console's HTTP server does before Next sees a request, and the one thing it
 * fixes on the way out:
 *
 * 1. The client address: unless TRUST_PROXY, X-Forwarded-For is replaced by the TCP peer,
 *    so nobody picks their own address for the audit log or sign-in throttling.
 * 2. The body limit, before anything is buffered: a declared Content-Length over the limit
 *    gets 413 at once (also instead of `100 Continue`) and the connection closes; a chunked
 *    body is counted as it is read and the connection is cut when it passes the limit.
 *    `/api/v1/auth/*` has its own, small limit: those routes need no sign-in. Without
 *    this, one 450 MB POST held the event loop (and the interlays in this process) for
 *    seconds while Next and the route buffered and decoded it.
 * 3. On the way out, an /api/v1 error Next answers without a body (405 for a method a
 *    route does not export) gets the API's JSON error shape.
 */
import type http from 'node:http';
import { HTTP_STATUS, type ErrorBody, type ErrorCode } from '@/lib/errors';
import type { Logger } from '@/lib/logger';

export interface GuardOptions {
  maxBodySize: number;
  maxAuthBodySize: number;
  trustProxy: boolean;
  log: Logger;
}

type Listener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const API_PREFIX = '/api/v1/';
const AUTH_PREFIX = '/api/v1/auth/';

/** The body limit that applies to a request path. */
export function bodyLimitFor(url: string | undefined, opts: Pick<GuardOptions, 'maxBodySize' | 'maxAuthBodySize'>): number {
  return (url ?? '').startsWith(AUTH_PREFIX) ? Math.min(opts.maxAuthBodySize, opts.maxBodySize) : opts.maxBodySize;
}

/**
 * Wraps Next's request handler; call `install` to also answer `Expect: 100-continue`
 * requests with 413 before their body is sent.
 */
export function guardRequests(opts: GuardOptions, handle: Listener): { listener: Listener; install(server: http.Server): void } {
  const listener: Listener = (req, res) => {
    if (!opts.trustProxy) {
      req.headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      delete req.headers['x-real-ip'];
    }
    const limit = bodyLimitFor(req.url, opts);
    if (declaredLength(req) > limit) return refuseTooLarge(req, res, limit, opts.log);
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] !== undefined) countBody(req, res, limit, opts.log);
    if (req.url?.startsWith(API_PREFIX)) jsonBodylessErrors(req, res);
    handle(req, res);
  };
  return {
    listener,
    install(server) {
      server.on('request', listener);
      // Without this handler Node sends `100 Continue` by itself; re-emitting 'request' keeps
      // whatever wraps the request listeners (Socket.IO) in the path.
      server.on('checkContinue', (req, res) => {
        if (declaredLength(req) <= bodyLimitFor(req.url, opts)) res.writeContinue();
        server.emit('request', req, res);
      });
    },
  };
}

function declaredLength(req: http.IncomingMessage): number {
  const v = req.headers['content-length'];
  if (v === undefined) return 0;
  const n = Number(v);
  // Node's parser rejects a malformed Content-Length before we get here; be safe anyway.
  return Number.isFinite(n) ? n : Infinity;
}

function errorJson(code: ErrorCode, message: string, details?: unknown): string {
  const body: ErrorBody = { error: { code, message, ...(details !== undefined ? { details } : {}) } };
  return JSON.stringify(body);
}

function tooLargeBody(req: http.IncomingMessage, limit: number): string {
  return errorJson('PAYLOAD_TOO_LARGE', `The request body is larger than the ${formatBytes(limit)} allowed for ${req.url?.startsWith(AUTH_PREFIX) ? 'sign-in routes' : 'this server'}`, { limit_bytes: limit });
}

/** 413 without reading the body; `Connection: close` so Node closes the socket instead of draining it. */
function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, limit: number, log: Logger): void {
  log.warn({ url: req.url, declared: req.headers['content-length'], limit }, 'request body over the limit refused');
  const body = tooLargeBody(req, limit);
  res.writeHead(HTTP_STATUS.PAYLOAD_TOO_LARGE, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(body);
}

/**
 * Counts a chunked body as whoever reads it reads it: `read()` emits 'data' for every chunk
 * however the stream is consumed, and pausing first keeps this listener from starting the
 * flow (and losing chunks) before Next attaches its reader. Past the limit, the 413 is
 * written straight to the socket (the response has not started: Next is still waiting for
 * the body) and the socket is destroyed; Next sees a client that went away.
 *
 * A response that ends before the body was read (a 401, say) would make Node drain the rest
 * of a body of unknown length, without emitting it: the connection is closed instead, the
 * way Node closes one after a `Connection: close` response (flush, then destroy).
 */
function countBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number, log: Logger): void {
  let seen = 0;
  const onData = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= limit) return;
    req.off('data', onData);
    log.warn({ url: req.url, seen, limit }, 'chunked request body over the limit cut off');
    const socket = req.socket;
    if (!res.headersSent && socket.writable) {
      const body = tooLargeBody(req, limit);
      socket.write(
        `HTTP/1.1 413 Payload Too Large\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
  req.pause();
  req.on('data', onData);
  res.once('finish', () => {
    if (!req.complete) req.socket.destroySoon();
  });
}

/**
 * An /api/v1 error response that Next sends without a body gets the JSON error shape. Next
 * writes the head of such a response (`writeHead(405)`) before it ends it, so an error head
 * that declares no content type is held back until a byte of body or the end shows which
 * it is.
 */
function jsonBodylessErrors(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method === 'HEAD') return;
  const { end, write, writeHead } = res;
  /** The arguments of a held-back writeHead. */
  let held: unknown[] | undefined;
  const headerArg = (args: unknown[]) => args.find((a) => typeof a === 'object' && a !== null) as Record<string, unknown> | unknown[] | undefined;
  const declaresType = (args: unknown[]) => {
    const h = headerArg(args);
    if (Array.isArray(h)) return h.some((v, i) => i % 2 === 0 && String(v).toLowerCase() === 'content-type');
    return h !== undefined && Object.keys(h).some((k) => k.toLowerCase() === 'content-type');
  };
  const bodyless = (status: number, args: unknown[] = []) => status >= 400 && !res.headersSent && !res.getHeader('content-type') && !declaresType(args);
  const empty = (chunk: unknown) =>
    chunk === undefined || chunk === null || typeof chunk === 'function' || ((typeof chunk === 'string' || chunk instanceof Uint8Array) && chunk.length === 0);
  const release = () => {
    if (!held) return;
    const args = held;
    held = undefined;
    (writeHead as (...a: unknown[]) => unknown).apply(res, args);
  };

  res.writeHead = function (this: http.ServerResponse, status: number, ...rest: unknown[]) {
    if (bodyless(status, rest)) {
      this.statusCode = status;
      held = [status, ...rest];
      return this;
    }
    return (writeHead as (...a: unknown[]) => http.ServerResponse).call(this, status, ...rest);
  } as typeof res.writeHead;
  res.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (held && empty(chunk)) {
      const cb = [chunk, ...rest].find((a) => typeof a === 'function') as (() => void) | undefined;
      if (cb) process.nextTick(cb);
      return true;
    }
    release();
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: http.ServerResponse, ...args: unknown[]) {
    if (empty(args[0]) && (held || bodyless(this.statusCode))) {
      const h = held ? headerArg(held.slice(1)) : undefined;
      held = undefined;
      if (h && !Array.isArray(h)) for (const [k, v] of Object.entries(h)) if (v !== undefined) this.setHeader(k, v as string);
      const allow = this.getHeader('allow');
      const message =
        this.statusCode === 405 ? `${req.method} is not supported on ${req.url?.split('?')[0]}${allow ? `; use ${String(allow)}` : ''}` : `The request failed with HTTP ${this.statusCode}`;
      const body = errorJson(codeFor(this.statusCode), message);
      this.setHeader('content-type', 'application/json; charset=utf-8');
      this.setHeader('content-length', Buffer.byteLength(body));
      this.removeHeader('transfer-encoding');
      const cb = args.find((a) => typeof a === 'function') as (() => void) | undefined;
      return end.call(this, body, 'utf8', cb);
    }
    release();
    return (end as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  } as typeof res.end;
}

function codeFor(status: number): ErrorCode {
  // 400 is both VALIDATION and BAD_REQUEST; a bodyless one has no field issues.
  const exact = (Object.entries(HTTP_STATUS) as [ErrorCode, number][]).find(([code, s]) => s === status && code !== 'VALIDATION');
  if (exact) return exact[0];
  return status >= 500 ? 'INTERNAL' : 'BAD_REQUEST';
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}
