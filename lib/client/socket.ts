/**
 * The browser's one Socket.IO connection (path `/socket.io`; the session cookie
 * authenticates it). Sockets notify, React Query owns the data:
 *
 * - `useSocketInvalidation()` (mounted once, in the console shell) turns every
 *   `changed {kind, id}` event into `invalidateQueries` on that kind's root key (see
 *   query-keys.ts) plus the audit log, and refetches everything after a reconnect, since
 *   events sent while disconnected are lost. When the server ends the socket (its session
 *   or token was revoked or expired) it asks /auth/me again: still signed in, it reconnects;
 *   not, the shell's 401 handling sends the user to /login.
 * - `useRoom('interlay:<id>', 'interlay:metrics', handler)` joins a room while mounted and
 *   calls `handler` for that event; the room is re-joined after a reconnect.
 */
'use client';

import { useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { io, type Socket } from 'socket.io-client';
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents } from '@/lib/events';
import { meQueryOptions } from './auth';
import { auditKeys, KIND_ROOT } from './query-keys';

export type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let shared: ConsoleSocket | undefined;

/** The shared connection, created on first use (browser only). */
export function getSocket(): ConsoleSocket {
  if (!shared) {
    shared = io({ path: SOCKET_PATH, withCredentials: true, transports: ['websocket', 'polling'] });
  }
  return shared;
}

/** Closes the shared connection (on sign-out, so the next user's cookie is used). */
export function closeSocket(): void {
  shared?.disconnect();
  shared = undefined;
}

export function useSocketInvalidation(): void {
  const qc = useQueryClient();
  useEffect(() => {
    const socket = getSocket();
    const onChanged: ServerToClientEvents['changed'] = (e) => {
      const root = KIND_ROOT[e.kind];
      if (root) void qc.invalidateQueries({ queryKey: [root] });
      void qc.invalidateQueries({ queryKey: auditKeys.all });
    };
    let connectedOnce = false;
    const onConnect = () => {
      // After a reconnect anything may have changed while we were away.
      if (connectedOnce) void qc.invalidateQueries();
      connectedOnce = true;
    };
    const onDisconnect = (reason: string) => {
      if (reason !== 'io server disconnect') return;
      qc.fetchQuery({ ...meQueryOptions(), staleTime: 0 }).then(
        () => socket.connect(),
        () => undefined,
      );
    };
    socket.on('changed', onChanged);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    if (socket.connected) connectedOnce = true;
    return () => {
      socket.off('changed', onChanged);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }, [qc]);
}

type EventName = keyof ServerToClientEvents;

/**
 * Joins every room of `rooms` while mounted and listens to `event` once (handlers filter by
 * the payload's id). Rooms re-join after a reconnect; a changed list joins the new rooms and
 * leaves the ones no longer listed.
 */
export function useRooms<E extends EventName>(rooms: readonly string[], event: E, handler: ServerToClientEvents[E]): void {
  // The latest handler without re-subscribing on every render.
  const ref = useRef(handler);
  useEffect(() => {
    ref.current = handler;
  });
  const key = [...rooms].sort().join('\n');
  useEffect(() => {
    if (!key) return;
    const list = key.split('\n');
    const socket = getSocket();
    const join = () => {
      for (const r of list) socket.emit('subscribe', r);
    };
    const listener = ((...args: unknown[]) => (ref.current as (...a: unknown[]) => void)(...args)) as never;
    socket.on(event, listener);
    socket.on('connect', join);
    if (socket.connected) join();
    return () => {
      socket.off(event, listener);
      socket.off('connect', join);
      for (const r of list) socket.emit('unsubscribe', r);
    };
  }, [key, event]);
}

/** Joins `room` while mounted and listens to `event`; `room` undefined = not subscribed. */
export function useRoom<E extends EventName>(room: string | undefined, event: E, handler: ServerToClientEvents[E]): void {
  useRooms(room ? [room] : [], event, handler);
}
