/**
 * The console's HTTP server before and after the route handlers: body limits (declared and
 * chunked), 100-continue, the client address, and JSON errors for paths and methods no route
 * serves. Real sockets against the real request guard and route handlers on a real database.
 */
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHttp, startTestApi, type TestApi, type TestHttpServer } from '@/test/api';
import { dbKinds } from '@/test/db';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends headers and at most `send` bytes of a body that claims `declared` bytes; resolves with the reply. */
function declaredBody(port: number, path: string, declared: number, send: number, extra: Record<string, string> = {}): Promise<RawReply & { continued: boolean }> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(declared), ...extra } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, continued }));
    });
    req.on('continue', () => (continued = true));
    // The server may close while we still write; what matters is the reply.
    req.on('error', (err) => (err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err));
    if (send > 0) req.write(Buffer.alloc(send, 0x20));
    else req.flushHeaders();
  });
}

/** A chunked POST that keeps sending 64 KB chunks until the server cuts it; resolves with what came back. */
function endlessChunked(port: number, path: string): Promise<{ bytesSent: number; raw: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    let bytesSent = 0;
    let open = true;
    socket.setEncoding('utf8');
    socket.on('data', (d) => (raw += d));
    const done = () => {
      if (!open) return;
      open = false;
      resolve({ bytesSent, raw });
    };
    socket.on('close', done);
    socket.on('error', done);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
    const pump = () => {
      // Stop by ourselves at 256 MB so a server that never cuts us off fails the test instead of hanging it.
      while (open && bytesSent < 256 * 1024 * 1024) {
        bytesSent += 0x10000;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      if (open) socket.end('0\r\n\r\n');
    };
    socket.on('connect', pump);
  });
}

async function request(port: number, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}): Promise<RawReply> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, body: opts.body, headers: opts.headers });
  return { status: res.status, headers: Object.fromEntries(res.headers) as http.IncomingHttpHeaders, body: await res.text() };
}

describe.each(await dbKinds())('the HTTP server in front of the routes on %s', (kind) => {
  let api: TestApi;
  let srv: TestHttpServer;
  beforeAll(async () => {
    api = await startTestApi(kind, { MAX_BODY_SIZE: '256kb', MAX_AUTH_BODY_SIZE: '16kb' });
    srv = await serveHttp(api);
  });
  afterAll(async () => {
    await srv?.close();
    await api?.close();
  });

  it('answers a sign-in whose declared body is over the limit with 413 at once, without reading it', async () => {
    // 700 MB declared, 64 KB sent: the reply must not wait for the rest.
    const r = await declaredBody(srv.port, '/api/v1/auth/login', 700 * 1024 * 1024, 64 * 1024);
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(JSON.parse(r.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/16 KB/), details: { limit_bytes: 16 * 1024 } } });
    // Other routes have the larger limit.
    const other = await declaredBody(srv.port, '/api/v1/endpoints', 300 * 1024, 0);
    expect(other.status).toBe(413);
    expect(JSON.parse(other.body).error.details.limit_bytes).toBe(256 * 1024);
  });

  it('refuses an over-limit body announced with Expect: 100-continue before the client sends it', async () => {
    const r = await declaredBody(srv.port, '/api/v1/auth/login', 50 * 1024 * 1024, 0, { expect: '100-continue' });
    expect(r.status).toBe(413);
    expect(r.continued).toBe(false);
  });

  it('cuts off a chunked body once it passes the limit, and keeps serving', async () => {
    const cut = await endlessChunked(srv.port, '/api/v1/auth/login');
    // Cut after the 16 KB limit plus what the kernel buffers held, far from the 256 MB the client would send.
    expect(cut.bytesSent).toBeLessThan(32 * 1024 * 1024);
    // The 413 goes out best-effort before the cut; a reset may beat it to the client.
    if (cut.raw) expect(cut.raw).toMatch(/^HTTP\/1\.1 413 /);
    const ok = await request(srv.port, 'POST', '/api/v1/auth/login', { body: JSON.stringify({ username: 'admin', password: 'admin-password' }), headers: { 'content-type': 'application/json' } });
    expect(ok.status).toBe(200);
  });

  it('stops draining an unread chunked body at the limit after an early reply', async () => {
    // No credentials: the route answers 401 without reading the body, and Node would drain the rest forever.
    const cut = await endlessChunked(srv.port, '/api/v1/endpoints');
    expect(cut.raw).toMatch(/^HTTP\/1\.1 401 /);
    expect(cut.bytesSent).toBeLessThan(32 * 1024 * 1024);
  });

  it('accepts a chunked body under the limit', async () => {
    const body = Readable.from([Buffer.from('{"username":"admin",'), Buffer.from('"password":"admin-password"}')]);
    const res = await fetch(`http://127.0.0.1:${srv.port}/api/v1/auth/login`, { method: 'POST', body: Readable.toWeb(body) as ReadableStream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
  });

  it('answers an /api/v1 path no route serves with the JSON error shape, for any method', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const r = await request(srv.port, method, '/api/v1/no-such-thing/here', { headers: { authorization: `Bearer ${api.adminToken}` } });
      expect(r.status, method).toBe(404);
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(r.body)).toEqual({ error: { code: 'NOT_FOUND', message: `There is no API route ${method} /api/v1/no-such-thing/here; the README's API section lists them` } });
    }
    // A method the route does not export: Next answers 405 without a body; the guard gives it the shape.
    const put = await request(srv.port, 'PUT', '/api/v1/health');
    expect(put.status).toBe(405);
    expect(JSON.parse(put.body)).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: 'PUT is not supported on /api/v1/health' } });
  });

  it('records the TCP peer as the client address, not a forged X-Forwarded-For', async () => {
    const r = await request(srv.port, 'POST', '/api/v1/auth/login', {
      body: JSON.stringify({ username: 'admin', password: 'admin-password' }),
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
    });
    expect(r.status).toBe(200);
    const last = await api.ctx.prisma.auditLog.findFirstOrThrow({ where: { action: 'user.login' }, orderBy: { id: 'desc' } });
    expect(last.ip).toBe('127.0.0.1');
  });
});
