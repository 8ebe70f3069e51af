/**
 * Live figures of interlays in the browser:
 *
 * - Chart points are the server's history points (lib/interlays/history.ts `toHistoryPoint`,
 *   live-path series included), from the history route and from each socket tick alike.
 * - `useRooms(rooms, event, handler)`: joins several Socket.IO rooms while mounted (the
 *   interlays list joins the room of every running interlay it shows).
 */
'use client';

import { useEffect, useRef } from 'react';
import type { ServerToClientEvents } from '@/lib/events';
import type { HistoryPoint } from '@/lib/interlays/history';
import { getSocket } from './socket';

/** A chart point: the server's history point (with the live path's series while mirroring). */
export type LivePoint = HistoryPoint;

type EventName = keyof ServerToClientEvents;

/**
 * Joins every room of `rooms` while mounted and listens to `event` once (handlers filter by
 * the payload's id). Rooms re-join after a reconnect; a changed list joins the new rooms and
 * leaves the ones no longer listed.
 */
export function useRooms<E extends EventName>(rooms: readonly string[], event: E, handler: ServerToClientEvents[E]): void {
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

interface Gate {
  last: number;
  running: Promise<unknown> | null;
  queued: Promise<unknown> | null;
}

const gates = new Map<string, Gate>();

/**
 * Runs `fn` for `key` at most once per `minIntervalMs` and never twice at once: a call while
 * a fetch is queued joins it; a call while one runs queues the next after it. The
 * interlays' queries go through it because every `changed {kind: 'interlay'}` event refetches
 * them all, and a running interlay can announce many in a burst (one per mirror error): without
 * the gate each event cancels and restarts every fetch, and the browser's few connections per
 * host fill with them, so a PUT from the page waits behind hundreds of GETs.
 */
export function throttledFetch<T>(key: string, fn: () => Promise<T>, minIntervalMs = 1_000): Promise<T> {
  let g = gates.get(key);
  if (!g) gates.set(key, (g = { last: 0, running: null, queued: null }));
  const gate = g;
  if (gate.queued) return gate.queued as Promise<T>;
  const queued = (gate.running ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => new Promise((r) => setTimeout(r, Math.max(0, gate.last + minIntervalMs - Date.now()))))
    .then(() => {
      gate.queued = null;
      gate.last = Date.now();
      const run = fn();
      gate.running = run;
      const done = () => {
        if (gate.running === run) gate.running = null;
      };
      run.then(done, done);
      return run;
    });
  gate.queued = queued;
  return queued;
}
