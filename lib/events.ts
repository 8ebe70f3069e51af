/**
 * Every Socket.IO event the server and the browser exchange. Sockets notify; React Query
 * owns the data: a `changed` event names what to refetch, and only throttled metric ticks
 * carry data for the cache directly.
 */

/** A resource kind whose queries a `changed` event invalidates. */
export type ResourceKind = 'endpoint' | 'interlay' | 'copy-job' | 'compat-report' | 'user' | 'token' | 'migration';

export interface ChangedEvent {
  kind: ResourceKind;
  /** The object's id or name; absent when a whole list changed. */
  id?: string;
}

/** Open-ended payloads the later issues define in their own files and register here by name. */
export interface ServerToClientEvents {
  changed: (e: ChangedEvent) => void;
  /** Throttled (~1 s) live metrics of one interlay. */
  'interlay:metrics': (m: { id: string; at: number; [k: string]: unknown }) => void;
  /** Throttled (~1 s, flushed on final states) progress of one copy job. */
  'copy-job:progress': (p: { id: string; at: number; [k: string]: unknown }) => void;
  /** Phase changes of a compatibility report run (gathering, checks, test-run, done). */
  'compat-report:progress': (p: { id: string; at: number; [k: string]: unknown }) => void;
}

export interface ClientToServerEvents {
  /** Join a room to receive metrics/progress for one object, e.g. `interlay:redis-live`. */
  subscribe: (room: string) => void;
  unsubscribe: (room: string) => void;
}

export const SOCKET_PATH = '/socket.io';
