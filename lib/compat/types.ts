/**
 * The compatibility report's model: a check is a small unit with an id that looks at one
 * shared, read-once `Resources` object and returns one finding. Checks never open
 * connections of their own beyond what `Resources` hands them (the ACL probes use the
 * role connections in it), and return early with a "degraded" finding when their data is
 * missing (CONFIG refused, an endpoint unreachable).
 */
import type { RedisConnection } from '../redis/connection';
import type { ConnRole, ResolvedConn } from '../endpoints/schema';

export const SEVERITIES = ['blocking', 'warning', 'info', 'pass'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type ConflictPolicy = 'Replace' | 'None' | 'Merge';
export type FallbackMode = 'auto' | 'never';

export interface CheckResult {
  severity: Severity;
  title: string;
  /** Numbers, versions, commands that failed: what the approver needs to judge the finding. */
  evidence: Record<string, unknown>;
  remediation: string;
}

export interface CompatCheck {
  id: string;
  /** What the check looks at, for the UI's list of checks. */
  describe: string;
  run(r: Resources): Promise<CheckResult> | CheckResult;
}

export interface RunOptions {
  conflictPolicy: ConflictPolicy;
  fallback: FallbackMode;
  bigKeyThresholdMb: number;
  /** Latency above this median (ms) is a warning. */
  latencyWarnMs: number;
}

/** One role's connection as the console has it configured, and what happened opening it. */
export interface RoleConn {
  role: ConnRole;
  settings: ResolvedConn;
  conn: RedisConnection | null;
  /** Client error code (AUTH, NOAUTH, TLS, ECONNRESET, ...) and message when it did not open. */
  error?: { code: string; message: string };
  /** What a diagnostic second attempt found (e.g. the server speaks TLS although the endpoint says not). */
  diagnosis?: string;
}

export interface EndpointFacts {
  name: string;
  kind: 'source' | 'target' | 'mirror';
  /** Set when the endpoint record could not be read (deleted, unknown name). */
  settingsError?: string;
  roles: Partial<Record<ConnRole, RoleConn>>;
  /** INFO (all sections) parsed into one flat map; null when no connection could run it. */
  info: Record<string, string> | null;
  infoError?: string;
  /** CONFIG GET results for the keys the checks need; null when CONFIG was refused. */
  config: Record<string, string> | null;
  configError?: string;
  modules: { name: string; version: string }[] | null;
  modulesError?: string;
  keyspace: { db: number; keys: number; expires: number }[];
  latency: { samples: number; median_ms: number; p99_ms: number; max_ms: number } | null;
  /** Number of primaries serving slots, for cluster endpoints (CLUSTER NODES). */
  clusterPrimaries?: number;
}

export interface SampledKey {
  db: number;
  key: Buffer;
  type: string;
  /** Remaining TTL in ms; -1 = no expiry. */
  pttl: number;
  /** MEMORY USAGE bytes; null when refused. */
  memory: number | null;
}

export interface KeySample {
  keys: SampledKey[];
  /** Keys per db in INFO keyspace when the sample was taken. */
  totalKeys: number;
  /** Milliseconds spent DUMPing `dumpedKeys` keys (`dumpedBytes` bytes), for the throughput estimate. */
  dumpMs: number;
  dumpedKeys: number;
  dumpedBytes: number;
  /** The largest DUMP payload seen among the biggest sampled keys. */
  largestDump: { db: number; key: string; bytes: number } | null;
  /** RDB version read from a DUMP payload's trailer. */
  rdbVersion: number | null;
  memoryUsageError?: string;
  error?: string;
}

export interface InterlayFacts {
  name: string;
  /** Listeners the interlay exposes (today one). */
  listeners: number;
  metrics: WorkloadMetrics | null;
  /** Where clients reach the interlay, for the smoke test. */
  address?: { host: string; port: number; tls?: boolean };
  error?: string;
}

export interface WorkloadMetrics {
  ops: { total: number; per_sec: number };
  commands: { name: string; count: number }[];
  categories?: Record<string, number> | unknown;
  latency_us?: { proxy?: { p50?: number; p99?: number }; backend?: { p50?: number; p99?: number } };
}

export interface Resources {
  options: RunOptions;
  source: EndpointFacts;
  target: EndpointFacts;
  mirrors: EndpointFacts[];
  sample: KeySample | null;
  interlay: InterlayFacts | null;
  /** Source sample keys (per db) that already exist on the target. */
  collisions: { checked: number; existing: number } | null;
}
