/**
 * Socket.IO on the console's HTTP server. A connection must carry a session cookie or a
 * bearer token (`auth.token`); clients join rooms to receive one object's live ticks.
 *
 * A socket lives no longer than the credential that opened it: the auth service announces
 * every revocation (sign-out, token revoked, password changed, user disabled or deleted) and
 * the matching sockets are disconnected at once; a periodic re-validation catches what no
 * event announces (a session or token that simply expired).
 */
import type http from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { Actor } from '@/lib/auth/roles';
import type { Revocation } from '@/lib/auth/service';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents } from '@/lib/events';
import type { ServerContext } from './context';
import { readCookie, SESSION_COOKIE } from './api/route';
import { assertSameOrigin, requestHost } from './api/cross-site';

const ROOM = /^(interlay|copy-job|compat-report|migration):[a-zA-Z0-9_.:-]{1,128}$/;

// A minute bounds how long an expired session's socket keeps receiving events, for one
// indexed query per minute however many sockets are open.
const REVALIDATE_MS = 60_000;

type ConsoleSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { actor: Actor }>;

export interface SocketOptions {
  /** How often every socket's credential is checked again (tests pass a short one). */
  revalidateMs?: number;
}

export function attachSocketIo(httpServer: http.Server, ctx: ServerContext, opts: SocketOptions = {}): Server<ClientToServerEvents, ServerToClientEvents> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { actor: Actor }>(httpServer, { path: SOCKET_PATH, serveClient: false });
  io.use(async (socket, next) => {
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
      const cookie = readCookie(socket.handshake.headers.cookie ?? null, SESSION_COOKIE);
      if (!token && cookie) {
        // A cookie rides along on a WebSocket opened by any site's page: only our own pages may use it.
        const header = (name: string) => first(socket.handshake.headers[name]);
        assertSameOrigin(header, requestHost(header), ctx.config.ALLOWED_ORIGINS);
      }
      const actor = token ? await ctx.auth.authenticateToken(token) : cookie ? await ctx.auth.authenticateSession(cookie) : undefined;
      if (!actor) return next(new Error('UNAUTHENTICATED'));
      socket.data.actor = actor;
      next();
    } catch (err) {
      next(err as Error);
    }
  });
  io.on('connection', (socket) => {
    socket.on('subscribe', (room) => {
      if (typeof room === 'string' && ROOM.test(room)) void socket.join(room);
    });
    socket.on('unsubscribe', (room) => {
      if (typeof room === 'string') void socket.leave(room);
    });
  });

  const sockets = () => [...io.of('/').sockets.values()] as ConsoleSocket[];
  const unsubscribe = ctx.auth.onRevoked((r) => {
    for (const s of sockets()) if (revokes(r, s.data.actor)) s.disconnect(true);
  });
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    void revalidate(ctx, sockets())
      .catch((err) => ctx.log.warn({ err }, 'socket re-validation failed'))
      .finally(() => (checking = false));
  }, opts.revalidateMs ?? REVALIDATE_MS);
  timer.unref();
  httpServer.once('close', () => {
    clearInterval(timer);
    unsubscribe();
  });

  ctx.notifier.attach(io);
  return io;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function revokes(r: Revocation, actor: Actor | undefined): boolean {
  if (!actor) return false;
  switch (r.kind) {
    case 'user':
      return actor.userId === r.userId && !(actor.via === 'session' && actor.sessionId === r.keepSessionId);
    case 'session':
      return actor.via === 'session' && actor.sessionId === r.sessionId;
    case 'tokens':
      return actor.via === 'token' && actor.tokenId !== undefined && r.tokenIds.includes(actor.tokenId);
  }
}

/** Disconnects the sockets whose session or token no longer authenticates. */
async function revalidate(ctx: ServerContext, sockets: ConsoleSocket[]): Promise<void> {
  if (sockets.length === 0) return;
  const sessionIds = new Set<string>();
  const tokenIds = new Set<string>();
  for (const s of sockets) {
    const a = s.data.actor;
    if (a?.via === 'session' && a.sessionId) sessionIds.add(a.sessionId);
    if (a?.via === 'token' && a.tokenId) tokenIds.add(a.tokenId);
  }
  const live = await ctx.auth.liveCredentials({ sessionIds: [...sessionIds], tokenIds: [...tokenIds] });
  for (const s of sockets) {
    const a = s.data.actor;
    const ok = a?.via === 'session' ? live.sessionIds.has(a.sessionId ?? '') : a?.via === 'token' ? live.tokenIds.has(a.tokenId ?? '') : false;
    if (!ok) s.disconnect(true);
  }
}
