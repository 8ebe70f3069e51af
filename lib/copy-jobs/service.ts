/**
 * Copy jobs: the console's host for the copy engine (lib/copy). It persists jobs, runs one
 * CopyRun per running job, moves jobs through the state machine (state.ts), keeps the keys
 * that failed (list, export, retry, resolve), runs verifications and repairs, and streams
 * throttled progress to the job's Socket.IO room.
 *
 * Lifecycle across restarts: a job stays `running` in the database while the console
 * stops (stop() aborts the runs after their current batch, the checkpoint is saved), and
 * start() resumes every `running` job from its checkpoint. "paused" is only ever set by a
 * person.
 */
import {
  withDefaults,
  type CopyProgress,
  type CopyRunOptions,
  type CopySpec,
  type CopyStore,
  type ErrorKeyRecord,
  type Mismatch,
  type RateLimit,
  type RedisTarget,
  type RepairResult,
  type VerificationResult,
  type VerifyOptions,
} from '../copy/types';
import { CopyRun, repair, retryErrorKeys, verify } from '../copy';
import { AppError, conflict, isAppError, notFound, type FieldIssue } from '../errors';
import type { Logger } from '../logger';
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import type { AuditService } from '../audit/service';
import type { PrismaClient } from '../db';
import type { SqlExecutor } from '../db/migrate';
import type { EndpointService, EndpointUse } from '../endpoints/service';
import type { ServerToClientEvents, ResourceKind } from '../events';
import { exportStream, type ExportFormat } from './export';
import { keyToJson, toBuffer, type KeyJson } from './keys';
import type {
  CopyJobOptions,
  CreateCopyJobInput,
  ErrorKeyQuery,
  MismatchQuery,
  ResolveErrorKeysInput,
  RetryErrorKeysInput,
  VerifyInput,
} from './schema';
import { countsOf, DbCopyStore, upsertErrorKeys, type JobCounts } from './store';
import { isTerminal, transition, type CopyJobEvent, type CopyJobState } from './state';

export interface NotifierLike {
  changed(e: { kind: ResourceKind; id?: string }): void;
  toRoom<E extends keyof ServerToClientEvents>(room: string, event: E, ...args: Parameters<ServerToClientEvents[E]>): void;
}

/** What this service uses of a CopyRun (lib/copy). */
export interface CopyRunLike {
  run(): Promise<CopyProgress>;
  pause(): void;
  resume(): void;
  cancel(): void;
  setRateLimit(r: RateLimit): void;
  progress(): CopyProgress;
  on(event: 'progress', listener: (p: CopyProgress) => void): unknown;
}

/** The engine entry points (lib/copy), injectable so tests can stub them. */
export interface CopyEngine {
  CopyRun: new (spec: CopySpec, store: CopyStore, opts: CopyRunOptions) => CopyRunLike;
  retryErrorKeys(spec: CopySpec, keys: { key: Buffer; db: number }[], opts: { log: Logger }): Promise<{ copied: number; failed: ErrorKeyRecord[] }>;
  verify(spec: CopySpec, opts: VerifyOptions): Promise<VerificationResult>;
  repair(spec: CopySpec, mismatches: Mismatch[], opts?: { log?: Logger }): Promise<RepairResult>;
}

const COPY_ENGINE: CopyEngine = { CopyRun, retryErrorKeys, verify, repair };

export interface CopyJobServiceDeps {
  prisma: PrismaClient;
  /** Raw SQL on the same database, for the error key pages (exports read millions of rows). */
  sql?: SqlExecutor;
  endpoints: Pick<EndpointService, 'settings' | 'registerUsage'>;
  audit: AuditService;
  notifier: NotifierLike;
  log: Logger;
  engine?: CopyEngine;
  /** Minimum ms between progress ticks to a job's room (default 1000). */
  progressIntervalMs?: number;
}

type JobRow = NonNullable<Awaited<ReturnType<PrismaClient['copyJob']['findUnique']>>>;
type VerificationRow = NonNullable<Awaited<ReturnType<PrismaClient['copyJobVerification']['findUnique']>>>;

export interface ErrorKeyCounts {
  total: number;
  unresolved: number;
  resolved: number;
  /** Unresolved keys per error class. */
  by_class: Record<string, number>;
}

export interface CopyJobView extends Omit<CopyJobOptions, 'source' | 'targets'> {
  id: string;
  source: string;
  targets: string[];
  status: CopyJobState;
  version: number;
  counts: JobCounts;
  /** Live engine progress while the job runs here; the last snapshot otherwise. */
  progress: (CopyProgress & { live: boolean; throughput?: ThroughputSample[] }) | null;
  error: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  error_key_counts: ErrorKeyCounts;
}

export interface ErrorKeyItem {
  id: string;
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
  repair: { status: string | null; repaired: number; failed: number };
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

/** One point of a job's throughput chart (one per progress tick, ~1 s). */
export interface ThroughputSample {
  at: number;
  keys_per_sec: number;
  bytes_per_sec: number;
}

/** Points kept per job; when full, every other point is dropped so the whole run stays on the chart. */
const MAX_SAMPLES = 600;

function addSample(samples: ThroughputSample[], p: CopyProgress, at: number): void {
  samples.push({ at, keys_per_sec: Math.round(p.keys_per_sec), bytes_per_sec: Math.round(p.bytes_per_sec) });
  if (samples.length > MAX_SAMPLES) {
    const kept = samples.filter((_, i) => i % 2 === 1);
    samples.splice(0, samples.length, ...kept);
  }
}

interface LiveRun {
  run: CopyRunLike;
  /** The throughput series, persisted with the last progress snapshot. */
  samples: ThroughputSample[];
  abort: AbortController;
  done: Promise<void>;
  /** Set by stop(): the run ends because the console stops, not because of the job. */
  stopping: boolean;
  lastEmit: number;
  /** Asked for before the run was built (its spec is resolved asynchronously). */
  pauseRequested?: boolean;
  rate?: RateLimit;
  timer?: NodeJS.Timeout;
  pending?: CopyProgress;
}

/** Error keys fetched per page when retrying, exporting or streaming. */
const PAGE = 1000;
/** Longest mismatch list a verification keeps (counts are always complete). */
const MAX_MISMATCHES = 10_000;
const MB = 1024 * 1024;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export class CopyJobService {
  private readonly prisma: PrismaClient;
  private readonly engine: CopyEngine;
  private readonly live = new Map<string, LiveRun>();
  /** Verifications and repairs in flight, awaited on stop. */
  private readonly background = new Set<Promise<unknown>>();
  private readonly progressIntervalMs: number;
  private stopped = false;

  constructor(private readonly deps: CopyJobServiceDeps) {
    this.prisma = deps.prisma;
    this.engine = deps.engine ?? COPY_ENGINE;
    this.progressIntervalMs = deps.progressIntervalMs ?? 1000;
    deps.endpoints.registerUsage((name) => this.usage(name));
  }

  // ---- jobs ----

  async create(actor: Actor, input: CreateCopyJobInput): Promise<CopyJobView> {
    // Resolve every endpoint first so a typo is a 400 with its field path, not a failed job.
    await this.buildSpec(input);
    const row = await this.prisma.copyJob.create({
      data: {
        source: input.source,
        targets: input.targets,
        spec: input as never,
        status: 'running',
        createdBy: actor.username,
        startedAt: new Date(),
      },
    });
    await this.deps.audit.record(actor, {
      action: 'copy_job.create',
      objectType: 'copy-job',
      objectId: row.id,
      details: { source: input.source, targets: input.targets, conflict_policy: input.conflict_policy },
    });
    this.launch(row);
    this.deps.notifier.changed({ kind: 'copy-job', id: row.id });
    return this.view(row);
  }

  async list(q: { status?: CopyJobState; limit?: number } = {}): Promise<CopyJobView[]> {
    const rows = await this.prisma.copyJob.findMany({
      where: q.status ? { status: q.status } : {},
      orderBy: { createdAt: 'desc' },
      take: q.limit ?? 100,
    });
    const counts = await this.errorKeyCounts(rows.map((r) => r.id));
    return rows.map((r) => this.toView(r, counts.get(r.id)));
  }

  async get(id: string): Promise<CopyJobView> {
    return this.view(await this.row(id));
  }

  async pause(actor: Actor, id: string): Promise<CopyJobView> {
    const row = await this.apply(id, 'pause', actor);
    const live = this.live.get(id);
    if (live?.run) live.run.pause();
    else if (live) live.pauseRequested = true;
    return this.view(row);
  }

  async resume(actor: Actor, id: string): Promise<CopyJobView> {
    const row = await this.apply(id, 'resume', actor);
    const live = this.live.get(id);
    if (live?.run) live.run.resume();
    else if (live) live.pauseRequested = false;
    else this.launch(row);
    return this.view(row);
  }

  async cancel(actor: Actor, id: string): Promise<CopyJobView> {
    const row = await this.apply(id, 'cancel', actor);
    const live = this.live.get(id);
    if (live) {
      // Before the run exists the abort signal cancels it as soon as it is built.
      if (live.run) live.run.cancel();
      else live.abort.abort();
      // The run stops after its current batch; wait a little so the reply shows final counts.
      await Promise.race([live.done, delay(10_000)]);
    }
    return this.get(row.id);
  }

  async setRateLimit(actor: Actor, id: string, rate: { keys_per_sec?: number; mb_per_sec?: number } | null): Promise<CopyJobView> {
    const row = await this.row(id);
    if (isTerminal(row.status)) throw conflict(`Copy job ${id} is ${row.status}; its rate limit can no longer change`);
    const options = { ...(row.spec as CopyJobOptions) };
    if (rate && (rate.keys_per_sec || rate.mb_per_sec)) options.rate_limit = rate;
    else delete options.rate_limit;
    const updated = await this.prisma.copyJob.update({ where: { id }, data: { spec: options as never } });
    const live = this.live.get(id);
    if (live?.run) live.run.setRateLimit(engineRate(options.rate_limit) ?? {});
    else if (live) live.rate = engineRate(options.rate_limit) ?? {};
    await this.deps.audit.record(actor, { action: 'copy_job.rate_limit', objectType: 'copy-job', objectId: id, details: { rate_limit: options.rate_limit ?? null } });
    this.deps.notifier.changed({ kind: 'copy-job', id });
    return this.view(updated);
  }

  /** Non-terminal jobs that use an endpoint (deleting it is then refused with 409). */
  async usage(endpoint: string): Promise<EndpointUse[]> {
    const rows = await this.prisma.copyJob.findMany({
      where: { status: { in: ['running', 'paused', 'failed'] }, OR: [{ source: endpoint }, { targets: { has: endpoint } }] },
      select: { id: true },
    });
    return rows.map((r) => ({ type: 'copy-job', id: r.id }));
  }

  // ---- lifecycle ----

  /** Resumes every job that was running when the console stopped, from its checkpoint. */
  async start(): Promise<void> {
    this.stopped = false;
    const rows = await this.prisma.copyJob.findMany({ where: { status: 'running' } });
    for (const row of rows) {
      this.deps.log.info({ job: row.id }, 'resuming copy job from its checkpoint');
      this.launch(row);
    }
  }

  /**
   * Stops every run after its current batch (checkpoint saved) without changing the jobs'
   * status, so the next start resumes them. Verifications in flight are awaited.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const runs = [...this.live.values()];
    for (const l of runs) {
      l.stopping = true;
      l.abort.abort();
    }
    await Promise.race([Promise.allSettled(runs.map((l) => l.done)), delay(30_000)]);
    await Promise.race([Promise.allSettled([...this.background]), delay(30_000)]);
  }

  /** Whether a run of this job is active in this process (tests, health). */
  isLive(id: string): boolean {
    return this.live.has(id);
  }

  private launch(row: JobRow): void {
    if (this.live.has(row.id) || this.stopped) return;
    const log = this.deps.log.child({ job: row.id });
    const abort = new AbortController();
    // A resumed job's chart continues from what its earlier runs recorded.
    const samples = [...(((row.progress as { throughput?: ThroughputSample[] } | null)?.throughput) ?? [])];
    const live: LiveRun = { abort, stopping: false, lastEmit: 0, samples } as LiveRun;
    this.live.set(row.id, live);
    live.done = (async () => {
      let final: CopyProgress;
      try {
        const spec = await this.buildSpec(row.spec as CopyJobOptions);
        const store = new DbCopyStore(this.prisma, row.id);
        const engine = this.engine;
        live.run = new engine.CopyRun(spec, store, { log, signal: abort.signal, progressIntervalMs: this.progressIntervalMs });
        live.run.on('progress', (p: CopyProgress) => this.tick(row.id, live, p));
        if (live.rate) live.run.setRateLimit(live.rate);
        if (live.pauseRequested) live.run.pause();
        if (live.stopping) return; // stop() came while the spec was resolved
        log.info({ source: row.source, targets: row.targets }, 'copy job run started');
        final = await live.run.run();
      } catch (e) {
        log.error({ err: e }, 'copy job run failed');
        const message = isAppError(e) ? e.message : (e as Error).message;
        final = { ...(live.run?.progress() ?? emptyProgress()), state: 'failed', error: message };
      }
      await this.settle(row.id, live, final).catch((err) => log.error({ err }, 'could not record the end of a copy job run'));
    })();
  }

  /** Records how a run ended and applies the matching transition. */
  private async settle(id: string, live: LiveRun, final: CopyProgress): Promise<void> {
    if (this.live.get(id) === live) this.live.delete(id);
    if (live.timer) clearTimeout(live.timer);
    addSample(live.samples, final, Date.now());
    await this.prisma.copyJob.update({ where: { id }, data: { progress: { ...final, throughput: live.samples } as never } });
    // A run that reached the end while the console stopped is complete all the same.
    if (live.stopping && final.state !== 'completed') {
      this.deps.log.info({ job: id, copied: final.copied }, 'copy job run stopped for shutdown; it resumes at the next start');
      return;
    }
    const event: CopyJobEvent | undefined =
      final.state === 'completed' ? 'complete' : final.state === 'failed' ? 'fail' : final.state === 'cancelled' ? 'cancel' : undefined;
    let status: CopyJobState | undefined;
    if (event) {
      try {
        status = (await this.apply(id, event, SYSTEM_ACTOR, final.error)).status;
      } catch (e) {
        // A person cancelled (or paused) at the same moment: their transition stands.
        if (!isAppError(e) || e.code !== 'CONFLICT') throw e;
      }
    }
    status ??= (await this.row(id)).status;
    this.emit(id, { ...final, state: status });
  }

  private tick(id: string, live: LiveRun, p: CopyProgress): void {
    live.pending = p;
    const wait = live.lastEmit + this.progressIntervalMs - Date.now();
    if (wait <= 0) {
      this.flush(id, live);
    } else if (!live.timer) {
      live.timer = setTimeout(() => this.flush(id, live), wait);
      live.timer.unref?.();
    }
  }

  private flush(id: string, live: LiveRun): void {
    live.timer = undefined;
    if (!live.pending) return;
    live.lastEmit = Date.now();
    // The sample and the tick share a timestamp, so the page can join stored and live points.
    addSample(live.samples, live.pending, live.lastEmit);
    this.emit(id, live.pending, live.lastEmit);
    live.pending = undefined;
  }

  private emit(id: string, p: CopyProgress, at = Date.now()): void {
    this.deps.notifier.toRoom(`copy-job:${id}`, 'copy-job:progress', { ...p, id, at });
  }

  /**
   * Applies one state-machine event: compare-and-set on (status, version) plus a transition
   * row, in one transaction. A lost race or a disallowed event is a 409.
   */
  private async apply(id: string, event: CopyJobEvent, actor: Actor, reason?: string): Promise<JobRow> {
    const row = await this.row(id);
    const to = transition(row.status, event);
    if (!to) throw conflict(`Copy job ${id} is ${row.status}; it cannot ${event}`, { status: row.status });
    const now = new Date();
    const data = {
      status: to,
      version: { increment: 1 },
      ...(event === 'resume' ? { finishedAt: null, error: null } : {}),
      ...(isTerminal(to) || to === 'failed' ? { finishedAt: now } : {}),
      ...(event === 'fail' ? { error: reason ?? 'the copy failed' } : {}),
    };
    const updated = await this.prisma.$transaction(async (tx) => {
      const n = await tx.copyJob.updateMany({ where: { id, status: row.status, version: row.version }, data });
      if (n.count === 0) return null;
      await tx.copyJobTransition.create({ data: { jobId: id, fromState: row.status, toState: to, event, actor: actor.username, reason: reason ?? null } });
      return tx.copyJob.findUnique({ where: { id } });
    });
    if (!updated) throw conflict(`Copy job ${id} changed at the same time; reload and try again`);
    if (actor !== SYSTEM_ACTOR) {
      await this.deps.audit.record(actor, { action: `copy_job.${event}`, objectType: 'copy-job', objectId: id, details: { from: row.status, to } });
    }
    this.deps.log.info({ job: id, from: row.status, to, event, actor: actor.username }, 'copy job status changed');
    this.deps.notifier.changed({ kind: 'copy-job', id });
    return updated;
  }

  async transitions(id: string) {
    await this.row(id);
    const rows = await this.prisma.copyJobTransition.findMany({ where: { jobId: id }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ id: r.id.toString(), from: r.fromState, to: r.toState, event: r.event, actor: r.actor, reason: r.reason, at: r.at.toISOString() }));
  }

  // ---- error keys ----

  async listErrorKeys(id: string, q: ErrorKeyQuery): Promise<{ items: ErrorKeyItem[]; counts_by_class: Record<string, number>; next_cursor: string | null }> {
    const row = await this.row(id);
    const rows = await this.errorKeyPage(id, q, q.cursor ? BigInt(q.cursor) : 0n, q.limit + 1);
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map((r) => errorKeyItem(r, row.targets));
    const counts = (await this.errorKeyCounts([id])).get(id);
    return { items, counts_by_class: counts?.by_class ?? {}, next_cursor: more ? items[items.length - 1]!.id : null };
  }

  /** A streamed CSV or JSONL export (keyset pagination: memory stays bounded for any size). */
  async exportErrorKeys(id: string, q: ErrorKeyQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    const row = await this.row(id);
    return exportStream({
      format,
      columns: ['id', 'target', 'target_endpoint', 'db', 'key', 'key_encoding', 'type', 'size', 'error_class', 'message', 'retryable', 'attempts', 'first_seen', 'last_seen', 'resolved', 'resolved_at', 'resolution_note'],
      page: async (after) => {
        const rows = await this.errorKeyPage(id, { ...q, cursor: undefined }, after, PAGE * 2);
        return { rows: rows.map((r) => errorKeyItem(r, row.targets)), last: rows.length ? BigInt(rows[rows.length - 1]!.id) : after };
      },
    });
  }

  /**
   * Re-copies the unresolved error keys that match (all of them when no filter is given),
   * page by page: copied keys are marked resolved, the others get attempts + 1 and the new
   * error. Runs in the request; the work is bounded by the job's error keys.
   */
  async retryErrorKeys(actor: Actor, id: string, input: RetryErrorKeysInput): Promise<{ attempted: number; copied: number; failed: number; remaining: Record<string, number> }> {
    const row = await this.row(id);
    const spec = await this.buildSpec(row.spec as CopyJobOptions);
    const q: ErrorKeyQuery = { class: input.class, db: input.db, resolved: false, limit: PAGE, format: 'json' };
    let after = 0n;
    let attempted = 0;
    let copied = 0;
    let failed = 0;
    for (;;) {
      const rows = await this.errorKeyPage(id, q, after, PAGE, input.ids);
      if (rows.length === 0) break;
      after = BigInt(rows[rows.length - 1]!.id);
      attempted += rows.length;
      for (const [target, group] of groupBy(rows, (r) => r.target)) {
        const targetSpec: CopySpec = { ...spec, targets: [spec.targets[target]!] };
        let failures: ErrorKeyRecord[];
        try {
          const res = await this.engine.retryErrorKeys(targetSpec, group.map((r) => ({ key: toBuffer(r.key), db: r.db })), { log: this.deps.log.child({ job: id, retry: true }) });
          failures = res.failed.map((f) => ({ ...f, target }));
        } catch (e) {
          failures = group.map((r) => ({ key: toBuffer(r.key), db: r.db, target, errorClass: 'connection', message: (e as Error).message, retryable: true }));
        }
        const failedKeys = new Set(failures.map((f) => `${f.db}:${f.key.toString('hex')}`));
        const ok = group.filter((r) => !failedKeys.has(`${r.db}:${toBuffer(r.key).toString('hex')}`));
        if (ok.length) {
          await this.prisma.copyJobErrorKey.updateMany({
            where: { id: { in: ok.map((r) => BigInt(r.id)) } },
            data: { resolved: true, resolvedAt: new Date(), resolutionNote: `copied on retry by ${actor.username}`, attempts: { increment: 1 }, lastSeen: new Date() },
          });
        }
        if (failures.length) await upsertErrorKeys(this.prisma, id, failures);
        copied += ok.length;
        failed += failures.length;
      }
    }
    await this.deps.audit.record(actor, { action: 'copy_job.retry_error_keys', objectType: 'copy-job', objectId: id, details: { filter: { class: input.class, db: input.db, ids: input.ids?.length }, attempted, copied, failed } });
    this.deps.notifier.changed({ kind: 'copy-job', id });
    const counts = (await this.errorKeyCounts([id])).get(id);
    return { attempted, copied, failed, remaining: counts?.by_class ?? {} };
  }

  async resolveErrorKeys(actor: Actor, id: string, input: ResolveErrorKeysInput): Promise<{ resolved: number }> {
    await this.row(id);
    const r = await this.prisma.copyJobErrorKey.updateMany({
      where: {
        jobId: id,
        resolved: false,
        ...(input.ids ? { id: { in: input.ids.map((x) => BigInt(x)) } } : {}),
        ...(input.class ? { errorClass: input.class } : {}),
        ...(input.db !== undefined ? { db: input.db } : {}),
      },
      data: { resolved: true, resolvedAt: new Date(), resolutionNote: input.note },
    });
    await this.deps.audit.record(actor, { action: 'copy_job.resolve_error_keys', objectType: 'copy-job', objectId: id, details: { count: r.count, class: input.class, db: input.db, note: input.note } });
    this.deps.notifier.changed({ kind: 'copy-job', id });
    return { resolved: r.count };
  }

  private async errorKeyPage(id: string, q: Omit<ErrorKeyQuery, 'limit' | 'format'> & Partial<Pick<ErrorKeyQuery, 'limit' | 'format'>>, after: bigint, limit: number, ids?: string[]) {
    const conds = ['"job_id" = $1::uuid', '"id" > $2::bigint'];
    const params: unknown[] = [id, after.toString()];
    const add = (sql: (p: string) => string, v: unknown) => {
      params.push(v);
      conds.push(sql(`$${params.length}`));
    };
    if (q.class) add((p) => `"error_class" = ${p}`, q.class);
    if (q.db !== undefined) add((p) => `"db" = ${p}::int`, q.db);
    if (q.target !== undefined) add((p) => `"target" = ${p}::int`, q.target);
    if (q.resolved !== undefined) add((p) => `"resolved" = ${p}::boolean`, q.resolved);
    if (q.search) add((p) => `position(${p}::bytea in "key") > 0`, Buffer.from(q.search, 'utf8'));
    if (ids?.length) {
      const start = params.length;
      params.push(...ids);
      conds.push(`"id" IN (${ids.map((_, i) => `$${start + i + 1}::bigint`).join(', ')})`);
    }
    params.push(limit);
    const text = `SELECT "id"::text AS "id", "target", "db", "key", "type", "size"::float8 AS "size", "error_class", "message", "retryable", "attempts",
              "first_seen", "last_seen", "resolved", "resolved_at", "resolution_note"
         FROM "copy_job_error_keys" WHERE ${conds.join(' AND ')} ORDER BY "copy_job_error_keys"."id" LIMIT $${params.length}::int`;
    // The driver directly when we have it: Prisma's raw results cost ~10x more per row.
    if (this.deps.sql) return this.deps.sql.query<ErrorKeyDbRow>(text, params);
    return this.prisma.$queryRawUnsafe<ErrorKeyDbRow[]>(text, ...params);
  }

  private async errorKeyCounts(ids: string[]): Promise<Map<string, ErrorKeyCounts>> {
    const out = new Map<string, ErrorKeyCounts>();
    if (ids.length === 0) return out;
    const groups = await this.prisma.copyJobErrorKey.groupBy({ by: ['jobId', 'errorClass', 'resolved'], where: { jobId: { in: ids } }, _count: { _all: true } });
    for (const g of groups) {
      const c = out.get(g.jobId) ?? { total: 0, unresolved: 0, resolved: 0, by_class: {} };
      const n = g._count._all;
      c.total += n;
      if (g.resolved) c.resolved += n;
      else {
        c.unresolved += n;
        c.by_class[g.errorClass] = (c.by_class[g.errorClass] ?? 0) + n;
      }
      out.set(g.jobId, c);
    }
    return out;
  }

  // ---- verifications ----

  /**
   * Starts a verification in the background and returns it with status `running` (the
   * route answers 202); poll GET .../verifications/{vid} or wait for a `changed` event.
   */
  async verify(actor: Actor, id: string, input: VerifyInput): Promise<VerificationView> {
    const row = await this.row(id);
    const spec = await this.buildSpec(row.spec as CopyJobOptions);
    const v = await this.prisma.copyJobVerification.create({
      data: { jobId: id, mode: input.mode, sampleSize: input.sample_size ?? null, ttlToleranceMs: input.ttl_tolerance_ms ?? 2000, createdBy: actor.username },
    });
    await this.deps.audit.record(actor, { action: 'copy_job.verify', objectType: 'copy-job', objectId: id, details: { verification: v.id, mode: input.mode } });
    this.track(this.runVerification(v, spec));
    this.deps.notifier.changed({ kind: 'copy-job', id });
    return verificationView(v);
  }

  private async runVerification(v: VerificationRow, spec: CopySpec): Promise<void> {
    const log = this.deps.log.child({ job: v.jobId, verification: v.id });
    try {
      const res = await this.engine.verify(spec, {
        mode: v.mode as 'full' | 'sample',
        sampleSize: v.sampleSize ?? undefined,
        ttlToleranceMs: v.ttlToleranceMs,
        maxMismatches: MAX_MISMATCHES,
        log,
      });
      await this.saveMismatches(v.id, res.mismatches);
      await this.prisma.copyJobVerification.update({
        where: { id: v.id },
        data: {
          status: 'completed',
          checked: BigInt(res.checked),
          missing: BigInt(res.missing),
          typeMismatch: BigInt(res.type_mismatch),
          valueMismatch: BigInt(res.value_mismatch),
          ttlMismatch: BigInt(res.ttl_mismatch),
          truncated: res.truncated,
          finishedAt: new Date(),
        },
      });
      log.info({ checked: res.checked, mismatches: res.mismatches.length }, 'verification finished');
    } catch (e) {
      log.error({ err: e }, 'verification failed');
      await this.prisma.copyJobVerification.update({ where: { id: v.id }, data: { status: 'failed', error: (e as Error).message, finishedAt: new Date() } });
    }
    this.deps.notifier.changed({ kind: 'copy-job', id: v.jobId });
  }

  private async saveMismatches(vid: string, mismatches: Mismatch[]): Promise<void> {
    for (let i = 0; i < mismatches.length; i += PAGE) {
      await this.prisma.copyJobMismatch.createMany({
        data: mismatches.slice(i, i + PAGE).map((m) => ({ verificationId: vid, target: m.target ?? 0, db: m.db, key: new Uint8Array(m.key), kind: m.kind, detail: m.detail ?? '' })),
      });
    }
  }

  async listVerifications(id: string): Promise<VerificationView[]> {
    await this.row(id);
    const rows = await this.prisma.copyJobVerification.findMany({ where: { jobId: id }, orderBy: { createdAt: 'desc' }, take: 100 });
    return rows.map(verificationView);
  }

  async getVerification(id: string, vid: string, q: MismatchQuery): Promise<VerificationView & { mismatches: MismatchItem[]; next_cursor: string | null }> {
    const v = await this.verificationRow(id, vid);
    const rows = await this.prisma.copyJobMismatch.findMany({
      where: { verificationId: vid, ...(q.kind ? { kind: q.kind } : {}), ...(q.cursor ? { id: { gt: BigInt(q.cursor) } } : {}) },
      orderBy: { id: 'asc' },
      take: q.limit + 1,
    });
    const items = rows.slice(0, q.limit).map(mismatchItem);
    return { ...verificationView(v), mismatches: items, next_cursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
  }

  async exportMismatches(id: string, vid: string, q: MismatchQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    await this.verificationRow(id, vid);
    return exportStream({
      format,
      columns: ['id', 'target', 'db', 'key', 'key_encoding', 'kind', 'detail', 'repaired'],
      page: async (after) => {
        const rows = await this.prisma.copyJobMismatch.findMany({
          where: { verificationId: vid, id: { gt: after }, ...(q.kind ? { kind: q.kind } : {}) },
          orderBy: { id: 'asc' },
          take: PAGE * 2,
        });
        return { rows: rows.map(mismatchItem), last: rows.length ? rows[rows.length - 1]!.id : after };
      },
    });
  }

  /**
   * Re-copies the divergent keys of a verification (source → the target they differ on),
   * marks them repaired, and re-checks just those keys. Synchronous: the list is bounded.
   */
  async repair(actor: Actor, id: string, vid: string): Promise<VerificationView & { removed: number }> {
    const v = await this.verificationRow(id, vid);
    if (v.status !== 'completed') throw conflict(`Verification ${vid} is ${v.status}; only a completed verification can be repaired`);
    const job = await this.row(id);
    const spec = await this.buildSpec(job.spec as CopyJobOptions);
    await this.prisma.copyJobVerification.update({ where: { id: vid }, data: { repairStatus: 'running' } });
    let repaired = 0;
    let removed = 0;
    let failed = 0;
    try {
      let after = 0n;
      for (;;) {
        const rows = await this.prisma.copyJobMismatch.findMany({ where: { verificationId: vid, repaired: false, id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE });
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        for (const [target, group] of groupBy(rows, (r) => r.target)) {
          const targetSpec: CopySpec = { ...spec, targets: [spec.targets[target]!] };
          const res = await this.engine.repair(
            targetSpec,
            group.map((m) => ({ key: toBuffer(m.key), db: m.db, target: 0, kind: m.kind as Mismatch['kind'], detail: m.detail })),
          );
          const failures = res.failed.map((f) => ({ ...f, target }));
          const failedKeys = new Set(failures.map((f) => `${f.db}:${f.key.toString('hex')}`));
          const ok = group.filter((m) => !failedKeys.has(`${m.db}:${toBuffer(m.key).toString('hex')}`));
          if (ok.length) await this.prisma.copyJobMismatch.updateMany({ where: { id: { in: ok.map((m) => m.id) } }, data: { repaired: true } });
          if (failures.length) await upsertErrorKeys(this.prisma, id, failures);
          repaired += res.repaired;
          removed += res.removed;
          failed += failures.length;
        }
      }
      await this.prisma.copyJobVerification.update({ where: { id: vid }, data: { repairStatus: 'completed', repaired: v.repaired + repaired, repairFailed: failed } });
    } catch (e) {
      await this.prisma.copyJobVerification.update({ where: { id: vid }, data: { repairStatus: 'failed', error: (e as Error).message } });
      throw new AppError('UPSTREAM', `Repair failed: ${(e as Error).message}`, { cause: e });
    }
    await this.deps.audit.record(actor, { action: 'copy_job.repair', objectType: 'copy-job', objectId: id, details: { verification: vid, repaired, removed, failed } });
    this.deps.notifier.changed({ kind: 'copy-job', id });
    return { ...verificationView(await this.verificationRow(id, vid)), removed };
  }

  // ---- internals ----

  private track(p: Promise<unknown>): void {
    const t = p.finally(() => this.background.delete(t));
    this.background.add(t);
  }

  private async row(id: string): Promise<JobRow> {
    const row = await this.prisma.copyJob.findUnique({ where: { id } });
    if (!row) throw notFound('Copy job', id);
    return row;
  }

  private async verificationRow(id: string, vid: string): Promise<VerificationRow> {
    const v = await this.prisma.copyJobVerification.findUnique({ where: { id: vid } });
    if (!v || v.jobId !== id) throw notFound('Verification', vid);
    return v;
  }

  private async view(row: JobRow): Promise<CopyJobView> {
    return this.toView(row, (await this.errorKeyCounts([row.id])).get(row.id));
  }

  private toView(row: JobRow, counts: ErrorKeyCounts | undefined): CopyJobView {
    const { source: _s, targets: _t, ...options } = row.spec as CopyJobOptions;
    const live = this.live.get(row.id);
    const progress = live?.run
      ? { ...live.run.progress(), live: true, throughput: live.samples }
      : row.progress
        ? { ...(row.progress as unknown as CopyProgress & { throughput?: ThroughputSample[] }), live: false }
        : null;
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
      },
      progress,
      error: row.error,
      created_by: row.createdBy,
      created_at: row.createdAt.toISOString(),
      started_at: iso(row.startedAt),
      finished_at: iso(row.finishedAt),
      updated_at: row.updatedAt.toISOString(),
      error_key_counts: counts ?? { total: 0, unresolved: 0, resolved: 0, by_class: {} },
    };
  }

  /**
   * The engine spec of a job: the stored options plus connection settings resolved from the
   * endpoints now (the source's read connection, each target's write connection). A missing
   * endpoint or role is a 400 naming the field.
   */
  private async buildSpec(options: CopyJobOptions): Promise<CopySpec> {
    const issues: FieldIssue[] = [];
    const conn = async (name: string, role: 'read' | 'write', path: string): Promise<RedisTarget | undefined> => {
      try {
        const c = (await this.deps.endpoints.settings(name)).roles[role];
        if (!c) {
          issues.push({ path, message: `endpoint "${name}" has no ${role} connection` });
          return undefined;
        }
        const { role: _r, ...rest } = c;
        return rest as RedisTarget;
      } catch (e) {
        if (isAppError(e) && e.code === 'NOT_FOUND') {
          issues.push({ path, message: `no endpoint named "${name}"` });
          return undefined;
        }
        throw e;
      }
    };
    const source = await conn(options.source, 'read', 'source');
    const targets = await Promise.all(options.targets.map((t, i) => conn(t, 'write', `targets.${i}`)));
    if (issues.length || !source) {
      throw new AppError('VALIDATION', `Invalid copy job: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    const spec: Record<string, unknown> = {
      source,
      targets: targets as RedisTarget[],
      match: options.match?.length ? options.match : undefined,
      types: options.types?.length ? options.types : undefined,
      databases: options.databases && Object.keys(options.databases).length ? options.databases : undefined,
      conflictPolicy: options.conflict_policy,
      preserveTtl: options.preserve_ttl,
      rateLimit: engineRate(options.rate_limit),
      batchSize: options.batch_size,
      concurrency: options.concurrency,
      scanCount: options.scan_count,
      bigKeyThresholdBytes: options.big_key_threshold_mb !== undefined ? Math.round(options.big_key_threshold_mb * MB) : undefined,
      fallback: options.fallback,
    };
    // withDefaults spreads the spec over the defaults: an explicit undefined would win.
    for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
    return withDefaults(spec as never);
  }
}

interface ErrorKeyDbRow {
  id: string;
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

function errorKeyItem(r: ErrorKeyDbRow, targets: string[]): ErrorKeyItem {
  return {
    id: String(r.id),
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

function verificationView(v: VerificationRow): VerificationView {
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
    differences: counts.missing + counts.type_mismatch + counts.value_mismatch + counts.ttl_mismatch,
    truncated: v.truncated,
    error: v.error,
    repair: { status: v.repairStatus, repaired: v.repaired, failed: v.repairFailed },
    created_by: v.createdBy,
    created_at: v.createdAt.toISOString(),
    finished_at: iso(v.finishedAt),
  };
}

function mismatchItem(m: { id: bigint; target: number; db: number; key: Uint8Array; kind: string; detail: string; repaired: boolean }): MismatchItem {
  return { id: m.id.toString(), key: keyToJson(m.key), db: m.db, target: m.target, kind: m.kind, detail: m.detail, repaired: m.repaired };
}

function engineRate(r: { keys_per_sec?: number; mb_per_sec?: number } | undefined): RateLimit | undefined {
  if (!r || (!r.keys_per_sec && !r.mb_per_sec)) return undefined;
  return { ...(r.keys_per_sec ? { keysPerSec: r.keys_per_sec } : {}), ...(r.mb_per_sec ? { bytesPerSec: Math.round(r.mb_per_sec * MB) } : {}) };
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}

function emptyProgress(): CopyProgress {
  const now = new Date().toISOString();
  return { ...countsOf(undefined), state: 'failed', keys_per_sec: 0, bytes_per_sec: 0, estimated_total: 0, eta_s: null, per_db: {}, started_at: now, updated_at: now };
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}
