/**
 * CopyRun: one bulk copy of a source to its targets, resumable from a checkpoint.
 *
 * Shape (STYLE.md point 5): one SCAN loop per source db (later: per cluster primary),
 * each producing batches; up to `concurrency` batches in flight across all loops; each
 * batch is copied by copyBatch and then COMMITTED IN SCAN ORDER per db: the checkpoint
 * (cursor + counts) only ever moves to the cursor after a batch when every earlier
 * batch of that db is done, and is saved after such commits (coalesced: one save in
 * flight, at most one every 250 ms, the latest checkpoint wins, and a final save at the
 * end; see save()). A crash therefore loses at most the in-flight batches and those
 * committed since the last save, which the resumed run re-scans and re-copies
 * (harmless under Replace; under None they hit BUSYKEY and are recognised as identical;
 * see batch.ts `existing`). Counts come from the checkpoint plus new commits, so they
 * are never doubled.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger';
import { copyBatch, DbContext, type BatchOutcome } from './batch';
import { isTransientError } from './errors';
import { globMatch } from './glob';
import { Link, keyspace, runIdOf } from './link';
import { RateMeter, TokenBucket } from './rate';
import { estimateScope, type ScopeFilter } from './scope';
import { describeTarget, TargetWatch, type TargetLoss } from './targets';
import { arr } from './typed';
import {
  DEFAULTS,
  type Checkpoint,
  type CopyProgress,
  type CopyRunOptions,
  type CopySpec,
  type CopyState,
  type CopyStore,
  type DbCheckpoint,
  type DbCounts,
  type ErrorKeyRecord,
  type EstimateKind,
  type RecoveryNotice,
} from './types';

export { keyspace };

const COUNT_FIELDS = ['scanned', 'copied', 'skipped', 'expired', 'conflicts', 'errors', 'bytes'] as const;

function addCounts(into: DbCounts, c: DbCounts): void {
  for (const f of COUNT_FIELDS) into[f] += c[f];
}

/** Puts a db back to "not started" (counts too: the new pass counts every key again). */
function restartDb(d: DbCheckpoint): void {
  Object.assign(d, zeroCounts());
  d.cursor = '0';
  d.done = false;
  d.rescans = (d.rescans ?? 0) + 1;
  delete d.persistent;
  delete d.resolved;
}

/**
 * Losses of one target a run answers by copying again; one more fails the run (a target
 * that evicts keys, say, would otherwise be copied to forever).
 */
const MAX_TARGET_RECOVERIES = 3;
/** Target keyspace checks while a run goes on (signal 3 in targets.ts). */
const TARGET_CHECK_MS = 5000;

/** Estimate kinds from the most exact to the least (the run reports the least exact of its dbs). */
const ESTIMATE_ORDER: EstimateKind[] = ['final', 'keyspace', 'counted', 'sampled'];

function zeroCounts(): DbCounts {
  return { scanned: 0, copied: 0, skipped: 0, expired: 0, conflicts: 0, errors: 0, bytes: 0 };
}

/** Source db -> target db for a spec: the explicit mapping, or every db with keys -> same index. */
export async function resolveDatabases(spec: CopySpec, ks: Record<number, number>): Promise<Array<[number, number]>> {
  if (spec.databases && Object.keys(spec.databases).length > 0) {
    return Object.entries(spec.databases).map(([s, t]) => [Number(s), t] as [number, number]).sort((a, b) => a[0] - b[0]);
  }
  return Object.keys(ks).map(Number).sort((a, b) => a - b).map((d) => [d, d] as [number, number]);
}

/** SCAN arguments and the client-side filters a spec needs. */
export function scanPlan(spec: CopySpec): ScopeFilter {
  const extra: string[] = [];
  let patterns: Buffer[] | undefined;
  let types: Set<string> | undefined;
  const match = spec.match?.filter((p) => p.length > 0) ?? [];
  if (match.length === 1) extra.push('MATCH', match[0]);
  else if (match.length > 1) patterns = match.map((p) => Buffer.from(p));
  const t = spec.types?.filter((x) => x.length > 0) ?? [];
  if (t.length === 1) extra.push('TYPE', t[0]);
  else if (t.length > 1) types = new Set(t);
  return { extra, patterns, types, allPatterns: match.map((p) => Buffer.from(p)), allTypes: t.length > 0 ? new Set(t) : undefined };
}

interface PendingBatch {
  seq: number;
  /** The db's scan generation this batch belongs to (bumped when the scan starts over). */
  gen: number;
  cursorAfter: string;
  last: boolean;
  outcome?: BatchOutcome;
}

interface DbJob {
  ctx: DbContext;
  key: string;
  cp: DbCheckpoint;
  /** Live counts: committed plus completed-but-uncommitted batches. */
  live: DbCounts;
  /** Keys in scope, as `estimateKind` says (scope.ts). */
  estimated: number;
  estimateKind: EstimateKind;
  nextSeq: number;
  nextCommit: number;
  done: Map<number, PendingBatch>;
  /** Bumped whenever the db's pass starts over: batches and SCAN replies of an older generation are dropped. */
  gen: number;
  /** Set when a source connection found a new run_id: the scan must start over. */
  sourceRestarted: boolean;
}

export interface CopyRun {
  on(event: 'progress', listener: (p: CopyProgress) => void): this;
  on(event: 'recovery', listener: (r: RecoveryNotice) => void): this;
  once(event: 'progress', listener: (p: CopyProgress) => void): this;
  once(event: 'recovery', listener: (r: RecoveryNotice) => void): this;
}

export class CopyRun extends EventEmitter {
  private readonly spec: CopySpec;
  private readonly log: Logger;
  private stateValue: CopyState = 'running';
  private paused = false;
  private cancelled = false;
  private failure: string | undefined;
  private readonly pauseWaiters: Array<() => void> = [];
  private readonly keysBucket: TokenBucket;
  private readonly bytesBucket: TokenBucket;
  private readonly meter = new RateMeter();
  private jobs: DbJob[] = [];
  private checkpoint: Checkpoint | undefined;
  /** Checkpoint saves (see save()): the one in flight, a newer one waiting, error keys not yet saved. */
  private saving: Promise<void> | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saveDirty = false;
  private lastSaveAt = 0;
  private unsavedRows: ErrorKeyRecord[] = [];
  private readonly checkpointIntervalMs: number;
  private inflight = 0;
  private slotWaiters: Array<() => void> = [];
  private startedAt = new Date().toISOString();
  private lastEmit = 0;
  private emitTimer: NodeJS.Timeout | undefined;
  private readonly tag = randomBytes(4).toString('hex');
  private readonly progressIntervalMs: number;
  private ran = false;
  private resumed = false;
  private readonly watch: TargetWatch;
  private readonly recoveries = new Map<number, number>();
  private targetCheck: Promise<void> | undefined;
  /** Bumped each time every db starts over for a target: a keyspace check begun before is stale. */
  private epoch = 0;
  private checkTimer: NodeJS.Timeout | undefined;

  constructor(
    spec: CopySpec,
    private readonly store: CopyStore,
    private readonly opts: CopyRunOptions,
  ) {
    super();
    this.spec = spec;
    this.log = opts.log.child({ component: 'copy', run: this.tag });
    this.keysBucket = new TokenBucket(spec.rateLimit?.keysPerSec);
    this.bytesBucket = new TokenBucket(spec.rateLimit?.bytesPerSec);
    this.progressIntervalMs = opts.progressIntervalMs ?? 1000;
    this.checkpointIntervalMs = opts.checkpointIntervalMs ?? DEFAULTS.checkpointIntervalMs;
    if (opts.coordination !== undefined && spec.conflictPolicy !== 'Replace') {
      throw new Error(
        `a copy coordinated with live mirroring needs conflict policy Replace (got ${spec.conflictPolicy}): a mirrored write may have left a partial value on the target that only RESTORE REPLACE makes whole`,
      );
    }
    this.watch = new TargetWatch(spec.targets, this.tag, (l) => this.targetLost(l), () => this.checkTargetsSoon());
    if (opts.signal) {
      if (opts.signal.aborted) this.cancel();
      else opts.signal.addEventListener('abort', () => this.cancel(), { once: true });
    }
  }

  get state(): CopyState {
    return this.stateValue;
  }

  // --- controls ----------------------------------------------------------------------

  /** Stops starting new batches; in-flight ones finish and are checkpointed. */
  pause(): void {
    if (this.isFinal() || this.paused) return;
    this.paused = true;
    this.setState('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.isFinal()) this.setState('running');
    for (const w of this.pauseWaiters.splice(0)) w();
  }

  /** Stops after the in-flight batches (checkpointed, so a later run resumes from there). */
  cancel(): void {
    if (this.isFinal()) return;
    this.cancelled = true;
    this.paused = false;
    for (const w of this.pauseWaiters.splice(0)) w();
    for (const w of this.slotWaiters.splice(0)) w();
  }

  setRateLimit(r: CopySpec['rateLimit']): void {
    this.keysBucket.setRate(r?.keysPerSec);
    this.bytesBucket.setRate(r?.bytesPerSec);
    this.log.info({ rateLimit: r ?? null }, 'copy rate limit changed');
  }

  private stopping(): boolean {
    return this.cancelled || this.failure !== undefined;
  }

  private isFinal(): boolean {
    return this.stateValue === 'completed' || this.stateValue === 'failed' || this.stateValue === 'cancelled';
  }

  private setState(s: CopyState): void {
    if (this.isFinal()) return;
    this.stateValue = s;
    this.emitProgress(true);
  }

  // --- run -----------------------------------------------------------------------------

  async run(): Promise<CopyProgress> {
    if (this.ran) throw new Error('CopyRun.run() may only be called once');
    this.ran = true;
    this.emitTimer = setInterval(() => this.emitProgress(false), this.progressIntervalMs);
    this.emitTimer.unref();
    this.checkTimer = setInterval(() => this.checkTargetsSoon(), TARGET_CHECK_MS);
    this.checkTimer.unref();
    try {
      await this.prepare();
      this.log.info({ dbs: this.jobs.map((j) => `${j.ctx.srcDb}->${j.ctx.tgtDb}`), resumed: this.resumed }, 'copy started');
      // A pass ends when every db is done; it is over only if the targets still hold what
      // was copied (targets.ts). A db that started over meanwhile gets another pass.
      for (;;) {
        await Promise.all(this.jobs.map((j) => this.scanLoop(j)));
        await this.drain();
        await this.flushSaves();
        if (this.stopping()) break;
        if (this.jobs.some((j) => !j.cp.done)) continue;
        await this.targetCheck;
        await this.retrying('target check', () => this.watch.check(this.mustHold(), this.epoch));
        if (this.jobs.every((j) => j.cp.done) || this.stopping()) break;
      }
      await this.flushSaves();
    } catch (err) {
      this.failure ??= (err as Error).message;
      await this.drain();
      await this.flushSaves();
    } finally {
      clearInterval(this.emitTimer);
      clearInterval(this.checkTimer);
      await this.targetCheck;
      await Promise.all([...this.jobs.map((j) => j.ctx.close()), this.watch.close()]);
    }
    const final: CopyState = this.failure !== undefined ? 'failed' : this.cancelled && !this.jobs.every((j) => j.cp.done) ? 'cancelled' : 'completed';
    this.stateValue = final;
    const p = this.progress();
    this.log.info({ state: final, copied: p.copied, errors: p.errors, conflicts: p.conflicts, error: this.failure }, 'copy finished');
    this.emit('progress', p);
    return p;
  }

  private async prepare(): Promise<void> {
    const cp = await this.store.loadCheckpoint();
    const probe = new Link(this.spec.source, 0, `interlay-copy-${this.tag}`);
    let ks: Record<number, number>;
    let runId: string;
    try {
      ks = await keyspace(probe);
      runId = await runIdOf(await probe.conn());
    } finally {
      await probe.close();
    }
    const targetRunIds = await this.watch.open();
    let pairs: Array<[number, number]>;
    const sourceRestarted: number[] = [];
    if (cp) {
      this.checkpoint = cp;
      this.resumed = true;
      this.startedAt = cp.started_at;
      if (cp.source_run_id && runId && cp.source_run_id !== runId) {
        for (const [db, d] of Object.entries(cp.dbs)) {
          if (d.done) continue;
          this.log.warn({ db: Number(db) }, 'source restarted since the checkpoint: scanning this db again from the start');
          restartDb(d);
          sourceRestarted.push(Number(db));
        }
      }
      cp.source_run_id = runId;
      pairs = Object.entries(cp.dbs).map(([s, d]) => [Number(s), d.targetDb ?? Number(s)] as [number, number]);
    } else {
      pairs = await resolveDatabases(this.spec, ks);
      const now = new Date().toISOString();
      this.checkpoint = { version: 1, dbs: {}, source_run_id: runId, target_run_ids: targetRunIds, batches: 0, started_at: this.startedAt, updated_at: now };
      for (const [s, t] of pairs) this.checkpoint.dbs[String(s)] = { cursor: '0', done: false, targetDb: t, ...zeroCounts() };
    }
    const plan = scanPlan(this.spec);
    this.jobs = await Promise.all(
      pairs.map(async ([s, t]) => {
        const c = this.checkpoint!.dbs[String(s)];
        const ctx = new DbContext(this.spec, s, t, this.tag, this.log);
        const scope = await estimateScope(ctx.srcSide, ks[s] ?? 0, plan);
        const job: DbJob = {
          ctx,
          key: String(s),
          cp: c,
          live: { scanned: c.scanned, copied: c.copied, skipped: c.skipped, expired: c.expired, conflicts: c.conflicts, errors: c.errors, bytes: c.bytes },
          estimated: scope.keys,
          estimateKind: scope.kind,
          nextSeq: 0,
          nextCommit: 0,
          done: new Map(),
          gen: 0,
          sourceRestarted: false,
        };
        ctx.watchSource(runId, (id) => {
          job.sourceRestarted = true;
          this.checkpoint!.source_run_id = id;
        });
        ctx.watchTargets((i, id, again) => this.watch.seen(i, id, again));
        return job;
      }),
    );
    if (sourceRestarted.length > 0) {
      this.notice({ cause: 'source_restarted', dbs: sourceRestarted, message: `source restarted since the checkpoint (new run_id ${runId.slice(0, 8)}): its SCAN cursors are void, so db ${sourceRestarted.join(', ')} scan again from the start` });
    }
    // A target that restarted between the checkpoint and now may have come back without the keys.
    const before = this.checkpoint!.target_run_ids ?? [];
    targetRunIds.forEach((id, i) => {
      if (before[i] && id && before[i] !== id) {
        this.targetLost({ target: i, cause: 'target_restarted', message: `${describeTarget(this.spec.targets[i]!, i)} restarted since the checkpoint (run_id ${before[i]!.slice(0, 8)} → ${id.slice(0, 8)}): the keys copied to it before may be gone` });
      }
    });
    this.checkpoint!.target_run_ids = targetRunIds;
  }

  /** Starts the db's pass over: counts and cursor reset, batches of the old generation dropped at commit. */
  private restartJob(job: DbJob): void {
    job.gen++;
    job.nextSeq = 0;
    job.nextCommit = 0;
    job.done.clear();
    restartDb(job.cp);
    job.live = { ...zeroCounts() };
    // Error keys of the old pass not saved yet: the new pass finds the keys that still fail.
    this.unsavedRows = this.unsavedRows.filter((r) => r.db !== job.ctx.srcDb);
  }

  /**
   * A target lost (or may have lost) what was copied to it: every db is copied again from
   * the start, so the target ends up whole. Other targets get the same keys again (under
   * None they are recognised as identical, see batch.ts `existing`).
   */
  private targetLost(l: TargetLoss): void {
    if (this.isFinal() || this.stopping() || (l.epoch !== undefined && l.epoch !== this.epoch)) return;
    const n = (this.recoveries.get(l.target) ?? 0) + 1;
    this.recoveries.set(l.target, n);
    if (n > MAX_TARGET_RECOVERIES) {
      this.failure ??= `${l.message}; this happened ${n} times in this run, so the copy stops: find out why the target drops keys (maxmemory-policy evicting them? something flushing it?), then resume`;
      this.log.error({ target: l.target, losses: n }, 'target keeps losing copied keys: copy failed');
      this.wakeAll();
      return;
    }
    if (this.checkpoint) this.checkpoint.target_run_ids = this.watch.runIds();
    this.epoch++;
    for (const j of this.jobs) this.restartJob(j);
    this.log.warn({ target: l.target, cause: l.cause }, 'target lost copied keys: copying every db again from the start');
    this.notice({ cause: l.cause, target: l.target, dbs: this.jobs.map((j) => j.ctx.srcDb), message: `${l.message}; copying every db again from the start` });
  }

  private notice(r: RecoveryNotice): void {
    this.emit('recovery', r);
    this.emitProgress(true);
  }

  /** Per target: target db → persistent keys it must hold (committed; the largest source db when several map to one). */
  private mustHold(): Array<Map<number, number>> {
    return this.spec.targets.map((_, i) => {
      const m = new Map<number, number>();
      for (const j of this.jobs) {
        const n = j.cp.persistent?.[i] ?? 0;
        if (n > (m.get(j.ctx.tgtDb) ?? 0)) m.set(j.ctx.tgtDb, n);
      }
      return m;
    });
  }

  /** A keyspace check of the targets in the background, unless one is running (errors: the batches will see them too). */
  private checkTargetsSoon(): void {
    if (this.targetCheck || this.jobs.length === 0 || this.isFinal()) return;
    this.targetCheck = this.watch
      .check(this.mustHold(), this.epoch)
      .catch((err) => this.log.debug({ err: (err as Error).message }, 'target check failed; retried later'))
      .finally(() => (this.targetCheck = undefined));
  }

  private wakeAll(): void {
    for (const w of this.pauseWaiters.splice(0)) w();
    for (const w of this.slotWaiters.splice(0)) w();
  }

  private async waitTurn(): Promise<boolean> {
    while (this.paused && !this.stopping()) await new Promise<void>((r) => this.pauseWaiters.push(r));
    while (this.inflight >= Math.max(1, this.spec.concurrency) && !this.stopping()) {
      await new Promise<void>((r) => this.slotWaiters.push(r));
    }
    return !this.stopping();
  }

  private async drain(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((r) => this.slotWaiters.push(r));
  }

  private releaseSlot(): void {
    this.inflight--;
    const w = this.slotWaiters.shift();
    if (w) w();
    // drain() waiters also wait on slotWaiters: wake everyone when idle.
    if (this.inflight === 0) for (const x of this.slotWaiters.splice(0)) x();
  }

  private async scanLoop(job: DbJob): Promise<void> {
    if (job.cp.done) return;
    const { extra, patterns, types } = scanPlan(this.spec);
    // The generation this loop's cursor belongs to: when the pass starts over (a restart
    // seen by any connection, at any moment), keys scanned for the old one are dropped.
    let gen = job.gen;
    let cursor = job.cp.cursor;
    const batchSize = Math.max(1, this.spec.batchSize);
    for (;;) {
      // Scan the next batch while earlier ones are in flight (one batch of read-ahead),
      // then wait for a free slot.
      while (this.paused && !this.stopping()) await new Promise<void>((r) => this.pauseWaiters.push(r));
      if (this.stopping()) return;
      let keys: Buffer[] = [];
      for (;;) {
        const reply = await this.withRetry(job, () => job.ctx.scan.callOk('SCAN', cursor, 'COUNT', this.spec.scanCount, ...extra), 'SCAN');
        if (job.sourceRestarted) {
          // The cursor belongs to the old process: start over (batches in flight of the
          // old generation are dropped at commit; their keys are scanned again).
          job.sourceRestarted = false;
          this.log.warn({ db: job.ctx.srcDb }, 'source restarted: scanning this db again from the start');
          this.restartJob(job);
          this.notice({ cause: 'source_restarted', dbs: [job.ctx.srcDb], message: `source restarted (new run_id ${(this.checkpoint!.source_run_id ?? '').slice(0, 8)}): its SCAN cursors are void, so db ${job.ctx.srcDb} scans again from the start` });
        }
        if (job.gen !== gen) {
          gen = job.gen;
          cursor = job.cp.cursor;
          keys = [];
          continue;
        }
        const [next, found] = arr(reply);
        cursor = String(next);
        for (const k of arr(found) as Buffer[]) {
          if (patterns && !patterns.some((p) => globMatch(p, k))) continue;
          keys.push(k);
        }
        if (keys.length >= batchSize || cursor === '0' || this.stopping()) break;
      }
      if (!(await this.waitTurn())) return;
      await this.keysBucket.take(keys.length, () => this.stopping());
      if (job.gen !== gen) {
        // Started over while this batch waited for its turn.
        gen = job.gen;
        cursor = job.cp.cursor;
        continue;
      }
      const batch: PendingBatch = { seq: job.nextSeq++, gen, cursorAfter: cursor, last: cursor === '0' };
      this.inflight++;
      void this.runBatch(job, batch, keys, types).finally(() => this.releaseSlot());
      if (batch.last) return;
    }
  }

  /** Retries a transient failure (connection, LOADING...) with the run's backoff. */
  private async retrying<T>(what: string, fn: () => Promise<T>, onRetry?: () => void): Promise<T> {
    const r = { ...DEFAULTS.retry, ...this.spec.retry };
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransientError(err) || attempt >= r.attempts || this.failure !== undefined) throw err;
        const delay = Math.min(r.maxBackoffMs, r.minBackoffMs * 2 ** Math.min(attempt - 1, 10));
        this.log.warn({ what, attempt, delayMs: delay, err: (err as Error).message }, 'copy retrying after transient failure');
        onRetry?.();
        await new Promise((res) => setTimeout(res, delay));
      }
    }
  }

  private withRetry<T>(job: DbJob, fn: () => Promise<T>, what: string): Promise<T> {
    return this.retrying(`db ${job.ctx.srcDb} ${what}`, fn, () => job.ctx.reset());
  }

  private async runBatch(job: DbJob, batch: PendingBatch, keys: Buffer[], types: Set<string> | undefined): Promise<void> {
    try {
      const hooks = { takeBytes: (n: number) => this.bytesBucket.take(n, () => this.stopping()) };
      // With live mirroring, the batch's keys are in a copy window from before their DUMP to
      // after their RESTOREs (every retry included): a mirrored write meanwhile gets the key
      // synced by state afterwards (lib/migration/README.md).
      const co = this.opts.coordination;
      const window = co?.beginCopy(job.ctx.srcDb, keys);
      try {
        batch.outcome = await this.withRetry(job, () => copyBatch(job.ctx, keys, this.spec.conflictPolicy, hooks, types), 'batch');
      } finally {
        if (co !== undefined) co.endCopy(window);
      }
    } catch (err) {
      this.failure ??= `db ${job.ctx.srcDb}: ${(err as Error).message}`;
      this.log.error({ db: job.ctx.srcDb, err: (err as Error).message }, 'copy batch failed after retries');
      this.wakeAll();
      return;
    }
    if (batch.gen !== job.gen) return; // scanned before the pass started over: superseded
    addCounts(job.live, batch.outcome.counts);
    this.meter.add(batch.outcome.counts.scanned, batch.outcome.counts.bytes);
    job.done.set(batch.seq, batch);
    this.commit(job);
  }

  /** Moves the db's checkpoint over every batch done in SCAN order, then saves it. */
  private commit(job: DbJob): void {
    const rows: ErrorKeyRecord[] = [];
    let moved = false;
    for (;;) {
      const b = job.done.get(job.nextCommit);
      if (!b) break;
      job.done.delete(job.nextCommit);
      job.nextCommit++;
      addCounts(job.cp, b.outcome!.counts);
      const persistent = (job.cp.persistent ??= this.spec.targets.map(() => 0));
      b.outcome!.persistent.forEach((n, i) => (persistent[i] = (persistent[i] ?? 0) + n));
      job.cp.cursor = b.cursorAfter;
      if (b.last) job.cp.done = true;
      rows.push(...b.outcome!.errors);
      this.checkpoint!.batches++;
      moved = true;
    }
    if (!moved) return;
    this.unsavedRows.push(...rows);
    this.save();
    this.emitProgress(false);
  }

  /**
   * Saves the checkpoint, coalesced: at most one save in flight and at most one started per
   * `checkpointIntervalMs`; each save takes the latest checkpoint (a snapshot) and every
   * error key committed since the previous one, in one store call (commitBatch: one
   * transaction). A save per batch would put a database write on the copy's event loop
   * every few milliseconds (with the embedded database, its whole cost). A crash loses at
   * most the batches committed since the last save, which the resumed run copies again
   * (the same argument as for batches in flight, see the top of this file).
   */
  private save(): void {
    this.saveDirty = true;
    if (this.saving || this.saveTimer) return; // the save in flight or the timer takes it
    const wait = this.lastSaveAt + this.checkpointIntervalMs - Date.now();
    if (wait > 0) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        this.startSave();
      }, wait);
      this.saveTimer.unref?.();
      return;
    }
    this.startSave();
  }

  private startSave(): void {
    if (!this.saveDirty || this.saving) return;
    this.saveDirty = false;
    this.lastSaveAt = Date.now();
    this.checkpoint!.updated_at = new Date().toISOString();
    const snapshot: Checkpoint = JSON.parse(JSON.stringify(this.checkpoint));
    const rows = this.unsavedRows;
    this.unsavedRows = [];
    this.saving = (async () => {
      if (this.store.commitBatch) {
        await this.store.commitBatch(snapshot, rows);
      } else {
        if (rows.length > 0) await this.store.recordErrorKeys(rows);
        await this.store.saveCheckpoint(snapshot);
      }
    })()
      .catch((err) => {
        this.failure ??= `checkpoint save failed: ${(err as Error).message}`;
        this.wakeAll();
      })
      .finally(() => {
        this.saving = undefined;
        if (this.saveDirty) this.save();
      });
  }

  /** Saves what is committed now, without waiting for the interval (end of a pass, end of the run). */
  private async flushSaves(): Promise<void> {
    for (;;) {
      if (this.saving) {
        await this.saving;
        continue;
      }
      if (!this.saveDirty) return;
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.startSave();
    }
  }

  // --- progress ------------------------------------------------------------------------

  progress(): CopyProgress {
    const total = zeroCounts();
    const perDb: CopyProgress['per_db'] = {};
    let estimated = 0;
    let kind = 0;
    for (const j of this.jobs) {
      addCounts(total, j.live);
      // A finished db's scope is what it scanned; a running one never shows more than 100%.
      const est = j.cp.done ? j.live.scanned : Math.max(j.estimated, j.live.scanned);
      const estimate: EstimateKind = j.cp.done ? 'final' : j.estimateKind;
      estimated += est;
      kind = Math.max(kind, ESTIMATE_ORDER.indexOf(estimate));
      perDb[j.key] = { ...j.live, done: j.cp.done, target_db: j.ctx.tgtDb, estimated_total: est, estimate };
    }
    const { keysPerSec, bytesPerSec } = this.meter.rates();
    const left = Math.max(0, estimated - total.scanned);
    const p: CopyProgress = {
      state: this.stateValue,
      ...total,
      keys_per_sec: Math.round(keysPerSec),
      bytes_per_sec: Math.round(bytesPerSec),
      estimated_total: estimated,
      estimate: ESTIMATE_ORDER[kind]!,
      eta_s: this.isFinal() ? 0 : keysPerSec > 0 ? Math.round(left / keysPerSec) : null,
      per_db: perDb,
      started_at: this.startedAt,
      updated_at: new Date().toISOString(),
    };
    if (this.failure !== undefined) p.error = this.failure;
    return p;
  }

  private emitProgress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastEmit < this.progressIntervalMs) return;
    if (this.isFinal() && !force) return;
    this.lastEmit = now;
    this.emit('progress', this.progress());
  }
}
