/**
 * The public contract of the data movement engine (bulk copy, retry, verify, repair).
 * Everything here is JSON-serialisable except Buffers (keys are binary-safe Buffers).
 */
import type { Logger } from '../logger';
import type { RedisTarget } from '../redis/target';

/**
 * A source or target. Its `db` is not used to choose what is copied (that is
 * `CopySpec.databases`, or every source db with keys): the copier opens one connection per
 * (endpoint, db) it works on. Keep `commandTimeoutMs` generous: big batches of big values
 * need seconds per pipeline.
 */
export type { RedisTarget };

export type ConflictPolicy = 'Replace' | 'None' | 'Merge';

export type BigKeyProbe = 'guarded-dump' | 'memory-usage' | 'dump-length';

export interface RateLimit {
  keysPerSec?: number;
  bytesPerSec?: number;
}

export interface CopySpec {
  source: RedisTarget;
  /** targets[0] is the main target, the others are mirror targets (same data, same policy). */
  targets: RedisTarget[];
  /**
   * SCAN MATCH patterns. One pattern goes to the server (`SCAN ... MATCH p`); several are
   * matched client-side (Redis glob rules) on one SCAN loop, so a key matching two
   * patterns is copied once and the checkpoint keeps a single cursor per db.
   */
  match?: string[];
  /** TYPE filter (`string`, `hash`, ...). One type goes to the server (`SCAN ... TYPE t`); several are checked client-side. */
  types?: string[];
  /** Source db -> target db (keys are db numbers as strings). Default: every source db with keys -> same index. */
  databases?: Record<string, number>;
  conflictPolicy: ConflictPolicy;
  /** Default true. false restores every key without expiry. */
  preserveTtl: boolean;
  rateLimit?: RateLimit;
  /** Keys per batch (one checkpoint per batch). */
  batchSize: number;
  /** Batches in flight at once (across dbs). */
  concurrency: number;
  /** SCAN COUNT hint. */
  scanCount: number;
  /** Keys above this (DUMP payload length, or MEMORY USAGE when probed) are copied in chunks, never held whole. */
  bigKeyThresholdBytes: number;
  /** 'auto': copy type-based when a target rejects a DUMP payload; 'never': record target_rejected_payload. */
  fallback: 'auto' | 'never';
  /**
   * How big keys are kept from being held whole in memory.
   * - 'guarded-dump' (default): no probe; DUMP + PTTL go over a source connection whose
   *   decoder refuses, at the bulk header, any DUMP longer than the threshold (+ trailer).
   *   A refusal breaks that connection; the batch then probes with MEMORY USAGE and copies
   *   its big keys in chunks (batch.ts `dumpGuarded`). 2 source commands per key instead of
   *   3, same client memory bound; the price is one DUMP the source serialises and
   *   discards per big key found (a big key is "DUMP payload above the threshold" here).
   * - 'memory-usage': a MEMORY USAGE per key ahead of the DUMP, so the source never
   *   serialises a key above the threshold (for sources full of big keys).
   * - 'dump-length': no probe and no guard: memory is bounded only by the largest key;
   *   payloads above the threshold are still RESTOREd whole.
   */
  bigKeyProbe?: BigKeyProbe;
  /** Testing / escape hatch: copy every key type-based (as if every target rejected DUMP payloads). */
  forceTypedCopy?: boolean;
  /** Batch retry budget for connection-level failures (reset, timeout, LOADING). */
  retry?: { attempts?: number; minBackoffMs?: number; maxBackoffMs?: number };
  /** Elements per chunk on the chunked (big key / type-based) path. */
  chunkElements?: number;
}

export type CopySpecInput = Omit<CopySpec, 'conflictPolicy' | 'preserveTtl' | 'batchSize' | 'concurrency' | 'scanCount' | 'bigKeyThresholdBytes' | 'fallback'> &
  Partial<Pick<CopySpec, 'conflictPolicy' | 'preserveTtl' | 'batchSize' | 'concurrency' | 'scanCount' | 'bigKeyThresholdBytes' | 'fallback'>>;

/**
 * Defaults, and why:
 * - batch 1000 / scan 1000: one SCAN call usually fills one batch; 1000 RESTOREs of
 *   typical payloads are ~0.5 MB on the wire, large enough to amortise round trips.
 * - concurrency 8: keeps source, copier and target busy at once (batches dumping,
 *   restoring and queued on both servers) for ~4 MB of payload in flight.
 * - big key 8 MB: DUMP of anything smaller is cheap to hold; bigger keys stream in chunks.
 * - big-key probe 'guarded-dump': the source is the bottleneck of a bulk copy, and the
 *   probe was a third of its per-key commands; the guard keeps the memory bound without it.
 */
export const DEFAULTS = Object.freeze({
  conflictPolicy: 'Replace' as ConflictPolicy,
  preserveTtl: true,
  batchSize: 1000,
  concurrency: 8,
  scanCount: 1000,
  bigKeyThresholdBytes: 8 * 1024 * 1024,
  fallback: 'auto' as const,
  bigKeyProbe: 'guarded-dump' as BigKeyProbe,
  retry: { attempts: 30, minBackoffMs: 100, maxBackoffMs: 2000 },
  chunkElements: 1000,
  /** Bytes per GETRANGE chunk of big strings. */
  chunkStringBytes: 1024 * 1024,
  ttlToleranceMs: 2000,
  /** At most one checkpoint save started per this many ms (run.ts save()). */
  checkpointIntervalMs: 250,
});

/** Fills in the defaults of a partial spec. */
export function withDefaults(spec: CopySpecInput): CopySpec {
  return {
    conflictPolicy: DEFAULTS.conflictPolicy,
    preserveTtl: DEFAULTS.preserveTtl,
    batchSize: DEFAULTS.batchSize,
    concurrency: DEFAULTS.concurrency,
    scanCount: DEFAULTS.scanCount,
    bigKeyThresholdBytes: DEFAULTS.bigKeyThresholdBytes,
    fallback: DEFAULTS.fallback,
    ...spec,
  } as CopySpec;
}

export interface DbCounts {
  scanned: number;
  copied: number;
  skipped: number;
  expired: number;
  conflicts: number;
  errors: number;
  bytes: number;
}

export interface DbCheckpoint extends DbCounts {
  /** SCAN cursor (decimal text) after the last committed batch; '0' with done=false means not started. */
  cursor: string;
  done: boolean;
  /** Target db this source db maps to (kept so a resume uses the same mapping). */
  targetDb?: number;
  /** Times this db's scan started over (the source restarted, or a target lost data). */
  rescans?: number;
  /**
   * Keys of this pass whose error a person resolved without a copy. Kept by the host
   * (lib/copy-jobs), not the engine; a new pass starts it over like the counts.
   */
  resolved?: number;
  /**
   * Per target: keys without expiry RESTOREd there by this pass (committed batches). The
   * target db must hold at least about this many keys; far fewer means its data went away.
   */
  persistent?: number[];
}

export interface Checkpoint {
  version: 1;
  dbs: Record<string, DbCheckpoint>;
  /**
   * The source's run_id when the cursors were taken. A different run_id on resume means
   * the source restarted: its SCAN cursors are meaningless (random hash seed per start),
   * so unfinished dbs scan again from 0 with their counts reset.
   */
  source_run_id?: string;
  /**
   * Each target's run_id when the checkpoint was taken. A restarted target may have come
   * back without the keys copied so far (no persistence, or an older RDB): a different
   * run_id on resume copies every db again from the start.
   */
  target_run_ids?: string[];
  /** Batches committed so far (all dbs). */
  batches: number;
  started_at: string;
  updated_at: string;
}

export type ErrorClass =
  | 'conflict'
  | 'target_rejected_payload'
  | 'target_oom'
  | 'timeout'
  | 'permission'
  | 'module_type_missing'
  | 'merge_undefined'
  | 'connection'
  | 'other';

export interface ErrorKeyRecord {
  key: Buffer;
  db: number;
  type?: string;
  size?: number;
  errorClass: ErrorClass;
  message: string;
  /** true: worth retrying as is once the cause is fixed (OOM, connection); false: needs a decision (conflict, unloadable payload). */
  retryable: boolean;
  target: number;
}

export interface CopyStore {
  loadCheckpoint(): Promise<Checkpoint | undefined>;
  /** Called after every committed batch, in order. */
  saveCheckpoint(cp: Checkpoint): Promise<void>;
  /**
   * Error keys of a batch, called just before the saveCheckpoint of that batch. A crash
   * between the two replays the batch, so implementations should upsert on (db, key, target).
   */
  recordErrorKeys(rows: ErrorKeyRecord[]): Promise<void>;
  /** Optional: error keys and checkpoint in one transaction; used instead of the two calls above when present. */
  commitBatch?(cp: Checkpoint, rows: ErrorKeyRecord[]): Promise<void>;
}

export type CopyState = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/**
 * How `estimated_total` was found: `keyspace` (INFO keyspace: the whole db is in scope),
 * `counted` (a SCAN with the job's filters counted the keys in scope at the start),
 * `sampled` (too many keys to count first: the share of RANDOMKEY samples in scope),
 * `final` (the db is done: what it scanned).
 */
export type EstimateKind = 'keyspace' | 'counted' | 'sampled' | 'final';

export interface DbProgress extends DbCounts {
  done: boolean;
  target_db: number;
  /** Keys in the job's scope (MATCH / TYPE), estimated as `estimate` says; never below `scanned`. */
  estimated_total: number;
  estimate: EstimateKind;
}

export interface CopyProgress extends DbCounts {
  state: CopyState;
  keys_per_sec: number;
  bytes_per_sec: number;
  /** Keys in the job's scope (MATCH / TYPE) over the copied dbs; see DbProgress.estimate. */
  estimated_total: number;
  /** The least exact of the dbs' estimates. */
  estimate: EstimateKind;
  eta_s: number | null;
  per_db: Record<string, DbProgress>;
  started_at: string;
  updated_at: string;
  error?: string;
}

/**
 * The run found that work already done may be lost and copies again (emitted as
 * 'recovery'; the host records `message` in the job's history).
 */
export interface RecoveryNotice {
  cause: 'target_restarted' | 'target_data_lost' | 'source_restarted';
  /** The target concerned (target causes). */
  target?: number;
  /** Source dbs copied again from the start. */
  dbs: number[];
  message: string;
}

export interface CopyRunOptions {
  log: Logger;
  signal?: AbortSignal;
  /** Minimum ms between 'progress' events (default 1000). */
  progressIntervalMs?: number;
  /** Minimum ms between checkpoint saves (default 250; the final save is immediate). */
  checkpointIntervalMs?: number;
  /**
   * Live mirroring of the source to the targets is on: every batch opens a window with it.
   * Needs conflict policy Replace (the copier owns the target's keys; a mirrored write
   * before a key is copied may have left a partial value there that only a RESTORE REPLACE
   * makes whole).
   */
  coordination?: CopyCoordination;
}

export type MismatchKind = 'missing' | 'type_mismatch' | 'value_mismatch' | 'ttl_mismatch';

export interface Mismatch {
  key: Buffer;
  /** Source db. */
  db: number;
  /** Index of the target the key differs on. */
  target: number;
  kind: MismatchKind;
  detail: string;
}

export interface VerifyOptions {
  mode: 'full' | 'sample';
  /** Keys to check in sample mode (default 1000). */
  sampleSize?: number;
  /** Largest |source PTTL - target PTTL| still equal (default 2000 ms). */
  ttlToleranceMs?: number;
  /** Check only these keys (e.g. after repair) instead of scanning. */
  keys?: { key: Buffer; db: number }[];
  /** Longest mismatches list (counts are always complete). Default 1000. */
  maxMismatches?: number;
  /** Every mismatch, a chunk (≤ 500 keys' worth) at a time as found: nothing is left out for the list's bound. */
  onMismatches?: (found: Mismatch[]) => Promise<void>;
  log?: Logger;
}

export interface VerificationResult {
  checked: number;
  missing: number;
  type_mismatch: number;
  value_mismatch: number;
  ttl_mismatch: number;
  mismatches: Mismatch[];
  /** True when more mismatches were found than listed. */
  truncated: boolean;
}

/** Keys a verification found different in any way (missing, type, value or TTL). */
export function differenceCount(c: Pick<VerificationResult, 'missing' | 'type_mismatch' | 'value_mismatch' | 'ttl_mismatch'>): number {
  return c.missing + c.type_mismatch + c.value_mismatch + c.ttl_mismatch;
}

export interface RepairResult {
  repaired: number;
  /** Keys gone from the source since verification (nothing to copy; deleted on the target). */
  removed: number;
  failed: ErrorKeyRecord[];
}

/**
 * The copier's side of the coordination with live mirroring (lib/migration/README.md): a
 * window opens on a batch's keys before they are dumped and closes when their RESTOREs
 * (on every target) are answered or failed. Keys a mirrored write touched meanwhile are
 * then synced by state by the interlay, so a RESTORE of an older dump never wins.
 */
export interface CopyCoordination {
  /** Returns the window's token, handed back to endCopy. */
  beginCopy(db: number, keys: readonly Buffer[]): unknown;
  endCopy(window: unknown): void;
}
