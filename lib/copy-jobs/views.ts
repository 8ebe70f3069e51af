/**
 * What the API answers about jobs, error keys and verifications (snake_case, keys as
 * text or base64), built from database rows. The browser imports these types only.
 */
import { differenceCount, type CopyProgress } from '../copy/types';
import { keyToJson, type KeyJson } from './keys';
import type { JobRow, VerificationRow } from './resources';
import type { CopyJobOptions } from './schema';
import type { CopyJobState } from './state';
import type { JobCounts } from './store';

export interface ErrorKeyCounts {
  total: number;
  unresolved: number;
  resolved: number;
  /** Unresolved keys per error class. */
  by_class: Record<string, number>;
}

/** One point of a job's throughput chart (one per progress tick, ~1 s). */
export interface ThroughputSample {
  at: number;
  keys_per_sec: number;
  bytes_per_sec: number;
}

/** Engine progress as the job reports it: its state is the job's once the run has ended. */
export type JobProgress = Omit<CopyProgress, 'state'> & { state: CopyProgress['state'] | CopyJobState };

export type JobProgressView = JobProgress & { live: boolean; throughput?: ThroughputSample[] };

export interface CopyJobView extends Omit<CopyJobOptions, 'source' | 'targets'> {
  id: string;
  source: string;
  targets: string[];
  status: CopyJobState;
  version: number;
  counts: JobCounts;
  /** Live engine progress while the job runs here; the last snapshot otherwise. */
  progress: JobProgressView | null;
  error: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  error_key_counts: ErrorKeyCounts;
  /** Interlays whose live mirror the job's runs were coordinated with. */
  coordinated_with: string[];
}

export interface ErrorKeyItem {
  id: string;
  /** `copy` (a copy job's run, retry or repair) or `mirror` (an interlay's mirror). */
  origin: 'copy' | 'mirror';
  /** For mirror errors: the side the mirror failed on (target, a mirror endpoint, source, or sync). */
  side: string | null;
  key: KeyJson;
  db: number;
  target: number;
  target_endpoint: string | null;
  type: string | null;
  size: number | null;
  error_class: string;
  message: string;
  retryable: boolean;
  attempts: number;
  first_seen: string;
  last_seen: string;
  resolved: boolean;
  resolved_at: string | null;
  resolution_note: string | null;
}

export interface VerificationView {
  id: string;
  job_id: string;
  mode: string;
  sample_size: number | null;
  ttl_tolerance_ms: number;
  status: 'running' | 'completed' | 'failed';
  counts: { checked: number; missing: number; type_mismatch: number; value_mismatch: number; ttl_mismatch: number };
  /** Total divergent keys found (missing + type + value + ttl). */
  differences: number;
  /** More mismatches were found than the engine lists. */
  truncated: boolean;
  error: string | null;
  /**
   * The last repair: status running | completed | partial | failed; `rescanned` when the
   * job's whole scope was compared again (the list was truncated or a sample); `message`
   * says what it did and, when partial, what is left.
   */
  repair: { status: string | null; repaired: number; failed: number; removed: number; rescanned: boolean; message: string | null };
  created_by: string;
  created_at: string;
  finished_at: string | null;
}

export interface MismatchItem {
  id: string;
  key: KeyJson;
  db: number;
  target: number;
  kind: string;
  detail: string;
  repaired: boolean;
}

export function noErrorKeys(): ErrorKeyCounts {
  return { total: 0, unresolved: 0, resolved: 0, by_class: {} };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** `live`: the run's progress when the job runs in this process. */
export function jobView(row: JobRow, counts: ErrorKeyCounts | undefined, live: JobProgressView | undefined): CopyJobView {
  const { source: _s, targets: _t, ...options } = row.spec as CopyJobOptions;
  const progress = live ?? (row.progress ? { ...(row.progress as unknown as JobProgress & { throughput?: ThroughputSample[] }), live: false } : null);
  return {
    id: row.id,
    source: row.source,
    targets: row.targets,
    ...options,
    status: row.status,
    version: row.version,
    counts: {
      scanned: Number(row.scanned),
      copied: Number(row.copied),
      skipped: Number(row.skipped),
      expired: Number(row.expired),
      conflicts: Number(row.conflicts),
      errors: Number(row.errors),
      bytes: Number(row.bytes),
      resolved: Number(row.resolved),
    },
    progress,
    error: row.error,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    started_at: iso(row.startedAt),
    finished_at: iso(row.finishedAt),
    updated_at: row.updatedAt.toISOString(),
    error_key_counts: counts ?? noErrorKeys(),
    coordinated_with: row.coordinatedWith,
  };
}

/** An error key row as the raw page query returns it (snake_case columns). */
export interface ErrorKeyDbRow {
  id: string;
  origin: 'copy' | 'mirror';
  side: string | null;
  target: number;
  db: number;
  key: Uint8Array;
  type: string | null;
  size: number | null;
  error_class: string;
  message: string;
  retryable: boolean;
  attempts: number;
  first_seen: Date;
  last_seen: Date;
  resolved: boolean;
  resolved_at: Date | null;
  resolution_note: string | null;
}

export function errorKeyItem(r: ErrorKeyDbRow, targets: string[]): ErrorKeyItem {
  return {
    id: String(r.id),
    origin: r.origin,
    side: r.side,
    key: keyToJson(r.key),
    db: Number(r.db),
    target: Number(r.target),
    target_endpoint: targets[Number(r.target)] ?? null,
    type: r.type,
    size: r.size === null ? null : Number(r.size),
    error_class: r.error_class,
    message: r.message,
    retryable: r.retryable,
    attempts: Number(r.attempts),
    first_seen: new Date(r.first_seen).toISOString(),
    last_seen: new Date(r.last_seen).toISOString(),
    resolved: r.resolved,
    resolved_at: r.resolved_at ? new Date(r.resolved_at).toISOString() : null,
    resolution_note: r.resolution_note,
  };
}

export function verificationView(v: VerificationRow): VerificationView {
  const counts = {
    checked: Number(v.checked),
    missing: Number(v.missing),
    type_mismatch: Number(v.typeMismatch),
    value_mismatch: Number(v.valueMismatch),
    ttl_mismatch: Number(v.ttlMismatch),
  };
  return {
    id: v.id,
    job_id: v.jobId,
    mode: v.mode,
    sample_size: v.sampleSize,
    ttl_tolerance_ms: v.ttlToleranceMs,
    status: v.status as VerificationView['status'],
    counts,
    differences: differenceCount(counts),
    truncated: v.truncated,
    error: v.error,
    repair: { status: v.repairStatus, repaired: v.repaired, failed: v.repairFailed, removed: v.repairRemoved, rescanned: v.repairRescanned, message: v.repairMessage },
    created_by: v.createdBy,
    created_at: v.createdAt.toISOString(),
    finished_at: iso(v.finishedAt),
  };
}

export function mismatchItem(m: { id: bigint; target: number; db: number; key: Uint8Array; kind: string; detail: string; repaired: boolean }): MismatchItem {
  return { id: m.id.toString(), key: keyToJson(m.key), db: m.db, target: m.target, kind: m.kind, detail: m.detail, repaired: m.repaired };
}
