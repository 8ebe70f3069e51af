/**
 * Live figures of interlays in the browser:
 *
 * - Chart points are the server's history points (lib/interlays/history.ts `toHistoryPoint`,
 *   live-path series included), from the history route and from each socket tick alike.
 * - `throttledFetch`: the interlays' queries, at most one fetch per second each.
 */
'use client';

import type { HistoryPoint } from '@/lib/interlays/history';

/** A chart point: the server's history point (with the live path's series while mirroring). */
export type LivePoint = HistoryPoint;

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
