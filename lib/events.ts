/**
 * Every Socket.IO event the server and the browser exchange, with its real payload type,
 * and the one Notifier interface services emit through. Sockets notify; React Query owns
 * the data: a `changed` event names what to refetch, and only throttled metric ticks and
 * the workflow's persisted events carry data for the cache directly.
 *
 * Type-only imports: this file is bundled into the browser.
 */
import type { InterlayMetrics } from './interlay/types';
import type { JobProgress } from './copy-jobs/views';
import type { MigrationEvent } from './workflow/schema';

/** A resource kind whose queries a `changed` event invalidates. */
export type ResourceKind = 'endpoint' | 'interlay' | 'copy-job' | 'compat-report' | 'user' | 'token' | 'migration';

export interface ChangedEvent {
  kind: ResourceKind;
  /** The object's id or name; absent when a whole list changed. */
  id?: string;
}

/** A throttled (~1 s) metrics tick of one interlay (room `interlay:<id>`). */
export type InterlayMetricsTick = InterlayMetrics & { id: string };

/** A throttled (~1 s, flushed on final states) progress tick of one copy job (room `copy-job:<id>`). */
export type CopyJobProgressTick = JobProgress & { id: string; at: number };

/** Phase changes of a compatibility report run (room `compat-report:<id>`). */
export interface CompatProgressTick {
  id: string;
  at: number;
  phase: 'gathering' | 'checks' | 'test-run' | 'done';
}

export interface ServerToClientEvents {
  changed: (e: ChangedEvent) => void;
  'interlay:metrics': (m: InterlayMetricsTick) => void;
  'copy-job:progress': (p: CopyJobProgressTick) => void;
  'compat-report:progress': (p: CompatProgressTick) => void;
  /** A migration run's persisted event (room `migration:<id>`); a client that reconnects catches up from its last `seq` with GET …/events?after=. */
  'migration:event': (e: MigrationEvent) => void;
}

export interface ClientToServerEvents {
  /** Join a room to receive metrics/progress for one object, e.g. `interlay:redis-live`. */
  subscribe: (room: string) => void;
  unsubscribe: (room: string) => void;
}

/** How services notify: a `changed` broadcast, and room events for ticks and run events. */
export interface Notifier {
  changed(e: ChangedEvent): void;
  toRoom<E extends keyof ServerToClientEvents>(room: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
}

export const SOCKET_PATH = '/socket.io';
