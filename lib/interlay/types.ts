/**
 * The interlay's public types: what a host (the interlay service) passes in and reads out.
 */
import type { CommandInfo } from '@/lib/commands';
import type { Logger } from '@/lib/logger';
import type { RedisTarget } from '@/lib/redis/target';
import type { RespCommand, RespLimits } from '@/lib/resp';

export type InterlayStatus = 'starting' | 'listening' | 'draining' | 'stopped' | 'failed';

/**
 * The backend the interlay forwards to. `protocol` is the highest the backend may be asked
 * for; the shared pool that serves RESP2 clients always speaks 2.
 */
export type BackendTarget = RedisTarget;

export interface InterlaySettings {
  /** Default '127.0.0.1'. */
  bind_address: string;
  /** Default 512. */
  max_concurrent_connections: number;
  /** 0 = never. */
  idle_timeout_s: number;
  /**
   * The interlay's own users: AUTH/HELLO AUTH for them are answered locally and their
   * traffic runs with the endpoint's credentials (never forwarded).
   */
  auth?: { password?: string; users?: { username: string; password: string }[] };
  /**
   * Credentials of a user the interlay does not have itself are checked by the backend,
   * and that client's traffic then runs as that backend user, with its own ACL
   * permissions. Default true.
   */
  backend_auth?: boolean;
  /**
   * Clients that never AUTH are served, with the endpoint's credentials. Default false:
   * every client must authenticate (interlay user or backend user). The service allows
   * it only with an acknowledgement and only on a loopback bind address.
   */
  allow_unauthenticated?: boolean;
  /** Administrative/destructive commands forwarded anyway (see command-policy.ts). */
  command_allowlist?: string[];
  /** PEM; clients connect with TLS. */
  tls?: { cert: string; key: string };
}

export const DEFAULT_SETTINGS: Readonly<InterlaySettings> = Object.freeze({
  bind_address: '127.0.0.1',
  max_concurrent_connections: 512,
  idle_timeout_s: 0,
});

/** A client session as the routing policy sees it (read-only). */
export interface SessionView {
  readonly id: number;
  readonly protocol: 2 | 3;
  /** The db the client selected (the backend target's db until it SELECTs another). */
  readonly db: number;
  readonly name: string | null;
  /** Interlay user the client authenticated as; null without interlay auth. */
  readonly user: string | null;
  /** True inside MULTI ... EXEC. */
  readonly inTransaction: boolean;
}

/**
 * A command as the routing policy sees it. The object is REUSED for every command of a
 * session, and its bytes usually lie in a read buffer the interlay reuses for the next read
 * (io.ts): read it inside `route()` only, and copy what must outlive the call
 * (`command.snapshot()`, `Buffer.from(command.arg(i))`). `argv` is set only for commands the
 * engine had to materialise anyway (connection-affine, blocking, transaction, pub/sub); use
 * `command.arg(i)` (a zero-copy view) for anything else, e.g. keys via `keyPositions`.
 */
export interface CommandView {
  info: CommandInfo;
  argv?: readonly Buffer[];
  command: RespCommand;
}

/**
 * Where a command goes. Today the engine knows one backend ('primary'); the live-migration
 * work adds mirroring and traffic stages by returning other decisions from its own policy.
 * Decisions should be preallocated constants: route() runs once per command.
 */
export type RoutingDecision =
  | { readonly action: 'forward'; readonly backend: 'primary' }
  | { readonly action: 'reject'; /** One line, sent as `-<error>`; e.g. 'TRYAGAIN cutover in progress'. */ readonly error: string };

export interface RoutingPolicy {
  name: string;
  route(cmd: CommandView, session: SessionView): RoutingDecision;
}

export interface InterlayOptions {
  id: string;
  port: number;
  backend: BackendTarget;
  /** Stage, policy, target and mirrors at start (default: source only). */
  routing?: import('./routing').RoutingSpec;
  /** Shared backend connections per protocol (RESP2 pool; a RESP3 pool opens when a RESP3 client appears). */
  poolSize: number;
  settings: InterlaySettings;
  policy?: RoutingPolicy;
  limits?: Partial<RespLimits>;
  log: Logger;
}

export type ErrorKind =
  | 'backend_down'
  | 'protocol'
  | 'auth'
  | 'max_clients'
  | 'timeout'
  | 'backend_error_reply'
  | 'unknown_command'
  | 'rejected'
  | 'mirror';

export interface InterlayMetrics {
  at: number;
  status: InterlayStatus;
  connections: { current: number; peak: number; refused: number; total: number };
  ops: { total: number; per_sec: number };
  /** Top 20 by count since start; names as the command table has them (`get`, `client|setname`, `unknown`). */
  commands: { name: string; count: number }[];
  /** Command counts since start by command-table category. */
  categories: Record<string, number>;
  /**
   * Last ~10 s, from fixed-bucket histograms (values are bucket upper bounds, ≤ 19% above the truth).
   * proxy: from the client's bytes arriving to the command being written to the backend (queueing in the
   * interlay); backend: from that write to the reply arriving (network + Redis).
   */
  /**
   * Last ~10 s. `proxy`: through the interlay, from a command's arrival to its reply being
   * ready for the client; `backend`: from the write to the backend to the reply. Their
   * difference is what the interlay adds.
   */
  latency_us: { proxy: { p50: number; p99: number }; backend: { p50: number; p99: number } };
  bytes: { in: number; out: number };
  errors: Record<string, number>;
  backend: { connected: number; state: 'up' | 'down' | 'reconnecting' };
  /** The live path: stage and policy in force, each backend, the mirror and shadow reads. */
  routing: {
    stage: string;
    policy: string;
    canary_percent: number;
    shadow_sample_rate: number;
    /** A switch or a barrier is holding new commands right now. */
    switching: boolean;
    switches: number;
  };
  /** Every backend the interlay writes: the source, the target, mirror targets. */
  upstreams: { name: string; role: 'primary' | 'secondary' | 'mirror'; state: 'up' | 'down' | 'reconnecting'; connected: number }[];
  mirror: {
    /** Writes replayed / synced by state / not mirrored (reads and the like), since start. */
    replayed_total: number;
    by_state_total: number;
    /** One per side writes are replayed on. */
    links: {
      name: string;
      ops_total: number;
      ops_per_sec: number;
      /** Write replayed → applied there. */
      latency_us: { p50: number; p99: number };
      failures: number;
      divergences: number;
      overflows: number;
      /** Writes sent and not yet applied there. */
      queue_depth: number;
      /** Age of the oldest write not yet applied there. */
      lag_ms: number;
      in_sync: boolean;
      /** The server behind it restarted and may have lost data: it needs a full copy again. */
      lost_data: boolean;
    }[];
    /** Keys waiting for a state sync, and syncs so far. */
    syncs: { pending: number; running: number; completed: number; failed: number; conflicts: number; copy_overlaps: number };
  };
  shadow: { sampled: number; compared: number; divergent: number; divergence_rate: number };
}
