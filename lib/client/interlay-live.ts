/**
 * Live figures of interlays in the browser:
 *
 * - `toLivePoint(m)`: the history point the server keeps (lib/interlays/history.ts) plus the
 *   live path's figures (mirror ops/s, mirror latency, failures, queue depth, lag, keys
 *   awaiting a state sync, shadow divergence rate), summed or maxed over the mirror links.
 *   The server's history has the base series only, so the live-path series start when the
 *   page opens and grow with each socket tick.
 * - `useRooms(rooms, event, handler)`: joins several Socket.IO rooms while mounted (the
 *   interlays list joins the room of every running interlay it shows).
 */
'use client';

import { useEffect, useRef } from 'react';
import type { ServerToClientEvents } from '@/lib/events';
import { toHistoryPoint, type HistoryPoint } from '@/lib/interlays/history';
import type { InterlayMetrics } from '@/lib/interlays/schema';
import { getSocket } from './socket';

export interface LivePoint extends HistoryPoint {
  mirror_ops_per_sec?: number;
  mirror_p50_us?: number;
  mirror_p99_us?: number;
  mirror_failures?: number;
  queue_depth?: number;
  lag_ms?: number;
  pending_syncs?: number;
  shadow_divergence_pct?: number;
}

/** A metrics snapshot as one chart point (the live-path fields only while it mirrors). */
export function toLivePoint(m: InterlayMetrics): LivePoint {
  const base = toHistoryPoint(m);
  const links = m.mirror?.links ?? [];
  if (!m.routing || m.routing.stage === 'source') return base;
  let ops = 0;
  let p50 = 0;
  let p99 = 0;
  let failures = 0;
  let depth = 0;
  let lag = 0;
  for (const l of links) {
    ops += l.ops_per_sec;
    p50 = Math.max(p50, l.latency_us.p50);
    p99 = Math.max(p99, l.latency_us.p99);
    failures += l.failures;
    depth += l.queue_depth;
    lag = Math.max(lag, l.lag_ms);
  }
  return {
    ...base,
    mirror_ops_per_sec: ops,
    mirror_p50_us: p50,
    mirror_p99_us: p99,
    mirror_failures: failures,
    queue_depth: depth,
    lag_ms: lag,
    pending_syncs: m.mirror.syncs.pending,
    shadow_divergence_pct: Math.round(m.shadow.divergence_rate * 10_000) / 100,
  };
}

/**
 * The server's history (base series only) with the live-path fields of the points the page
 * already built from ticks (same `at`), so a refetch does not wipe the mirror charts.
 */
export function withLiveFields(server: readonly HistoryPoint[], cached: readonly LivePoint[] | undefined): LivePoint[] {
  const live = new Map((cached ?? []).filter((p) => p.mirror_ops_per_sec !== undefined).map((p) => [p.at, p]));
  if (live.size === 0) return server as LivePoint[];
  return server.map((p) => {
    const c = live.get(p.at);
    return c ? { ...c, ...p } : p;
  });
}

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
