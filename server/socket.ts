/**
 * Socket.IO on the console's HTTP server. A connection must carry a session cookie or a
 * bearer token (`auth.token`); clients join rooms to receive one object's live ticks.
 */
import type http from 'node:http';
import { Server } from 'socket.io';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents } from '@/lib/events';
import type { ServerContext } from './context';
import { readCookie, SESSION_COOKIE } from './api/route';

const ROOM = /^(interlay|copy-job|compat-report|migration):[a-zA-Z0-9_.:-]{1,128}$/;

export function attachSocketIo(httpServer: http.Server, ctx: ServerContext): Server<ClientToServerEvents, ServerToClientEvents> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, { path: SOCKET_PATH, serveClient: false });
  io.use(async (socket, next) => {
    try {
      const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
      const cookie = readCookie(socket.handshake.headers.cookie ?? null, SESSION_COOKIE);
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
  ctx.notifier.attach(io);
  return io;
}
