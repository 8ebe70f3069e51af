/**
 * The run host: one CopyRun per running job in this process, its throttled progress to
 * the job's Socket.IO room, and how a run's end becomes a transition.
 *
 * Lifecycle across restarts: a job stays `running` in the database while the console
 * stops (stop() aborts the runs after their current batch, the checkpoint is saved), and
 * start() resumes every `running` job from its checkpoint. "paused" is only ever set by a
 * person.
 *
 * The history says what happened to a run, not only what people did: each run claims its
 * job with this process's token (`run_token`) and clears it when it ends. A clean
 * shutdown records `interrupt` ("the console shut down"); a token still set at the next
 * start means the process died mid-run (kill -9, power loss), recorded as `interrupt`
 * with that reason; the run going on from its checkpoint records `restart`; whatever the
 * engine finds at risk (a target that lost its keys, a source restart) records `recover`.
 */
import { randomUUID } from 'node:crypto';
import type { Checkpoint, CopyProgress, RateLimit, RecoveryNotice } from '../copy/types';
import { SYSTEM_ACTOR } from '../auth/roles';
import { isAppError } from '../errors';
import { coordinate, targetsRefilled } from './live-path';
import { buildSpec } from './spec';
import { countsOf, DbCopyStore } from './store';
import type { CopyJobEvent, CopyJobState } from './state';
import type { JobTransitions } from './transitions';
import { delay, jobRow, type CopyJobResources, type CopyRunLike, type JobRow } from './resources';
import type { CopyJobOptions } from './schema';
import type { JobProgress, JobProgressView, ThroughputSample } from './views';
import { formatCount } from './words';

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
  /** The host's own history rows of this run, one at a time (a lost race between two of them is no race). */
  history: Promise<unknown>;
  /** Interlays whose mirror this run is coordinated with, and the targets they mirror to (live-path.ts). */
  interlays: string[];
  mirroredTargets: string[];
}

/** Why a run is launched: a new job, a person resuming it, or the console starting. */
export type LaunchCause = 'create' | 'resume' | 'start';

export class RunHost {
  private readonly live = new Map<string, LiveRun>();
  private stopped = false;
  /** This process's claim on the jobs it runs (copy_jobs.run_token). */
  private readonly token = randomUUID();

  constructor(
    private readonly res: CopyJobResources,
    private readonly transitions: JobTransitions,
    private readonly progressIntervalMs: number,
  ) {}

  /** Resumes every job that was running when the console stopped, from its checkpoint. */
  async start(): Promise<void> {
    this.stopped = false;
    const rows = await this.res.prisma.copyJob.findMany({ where: { status: 'running' } });
    for (const row of rows) {
      this.res.log.info({ job: row.id }, 'resuming copy job from its checkpoint');
      this.launch(row, 'start');
    }
  }

  /**
   * Stops every run after its current batch (checkpoint saved) without changing the jobs'
   * status, so the next start resumes them.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const runs = [...this.live.values()];
    for (const l of runs) {
      l.stopping = true;
      l.abort.abort();
    }
    await Promise.race([Promise.allSettled(runs.map((l) => l.done)), delay(30_000)]);
  }

  isLive(id: string): boolean {
    return this.live.has(id);
  }

  /** The live progress of a job running here, with its throughput series. */
  progress(id: string): JobProgressView | undefined {
    const live = this.live.get(id);
    return live?.run ? { ...live.run.progress(), live: true, throughput: live.samples } : undefined;
  }

  pause(id: string): void {
    const live = this.live.get(id);
    if (live?.run) live.run.pause();
    else if (live) live.pauseRequested = true;
  }

  /** Resumes the run here, or launches one from the checkpoint when none is live. */
  resume(row: JobRow): void {
    const live = this.live.get(row.id);
    if (live?.run) live.run.resume();
    else if (live) live.pauseRequested = false;
    else this.launch(row, 'resume');
  }

  /** Cancels the run here; resolves when it stopped (at most 10 s, so the reply shows final counts). */
  async cancel(id: string): Promise<void> {
    const live = this.live.get(id);
    if (!live) return;
    // Before the run exists the abort signal cancels it as soon as it is built.
    if (live.run) live.run.cancel();
    else live.abort.abort();
    // The run stops after its current batch; wait a little so the reply shows final counts.
    await Promise.race([live.done, delay(10_000)]);
  }

  setRateLimit(id: string, rate: RateLimit): void {
    const live = this.live.get(id);
    if (live?.run) live.run.setRateLimit(rate);
    else if (live) live.rate = rate;
  }

  launch(row: JobRow, cause: LaunchCause): void {
    if (this.live.has(row.id) || this.stopped) return;
    const log = this.res.log.child({ job: row.id });
    const abort = new AbortController();
    // A resumed job's chart continues from what its earlier runs recorded.
    const samples = [...(((row.progress as { throughput?: ThroughputSample[] } | null)?.throughput) ?? [])];
    const live: LiveRun = { abort, stopping: false, lastEmit: 0, samples, history: Promise.resolve(), interlays: [] as string[], mirroredTargets: [] as string[] } as LiveRun;
    this.live.set(row.id, live);
    live.done = (async () => {
      let final: CopyProgress;
      try {
        await this.claim(row, cause);
        const spec = await buildSpec(this.res.endpoints, row.spec as CopyJobOptions);
        const store = new DbCopyStore(this.res.prisma, row.id, this.res.sql);
        const engine = this.res.engine;
        // Looked up at every launch: an interlay that began mirroring since the last run is coordinated with too.
        const onPath = coordinate(this.res.livePath, row.source, row.targets);
        live.interlays = onPath.interlays;
        live.mirroredTargets = onPath.targets;
        if (onPath.interlays.length > 0) {
          const all = [...new Set([...row.coordinatedWith, ...onPath.interlays])];
          await this.res.prisma.copyJob.update({ where: { id: row.id }, data: { coordinatedWith: all } });
          log.info({ interlays: onPath.interlays }, 'copy job run coordinated with the live mirror');
        }
        live.run = new engine.CopyRun(spec, store, { log, signal: abort.signal, progressIntervalMs: this.progressIntervalMs, coordination: onPath.coordination });
        live.run.on('progress', (p: CopyProgress) => this.tick(row.id, live, p));
        live.run.on('recovery', (r: RecoveryNotice) => this.note(row.id, live, 'recover', r.message));
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
      await this.settle(row, live, final).catch((err) => log.error({ err }, 'could not record the end of a copy job run'));
    })();
  }

  /**
   * Takes the job for this process. A token of another process still on the job means
   * that process died while running it; a launch at start goes on from the checkpoint.
   * Both are written to the history before the run starts.
   */
  private async claim(row: JobRow, cause: LaunchCause): Promise<void> {
    if (row.runToken && row.runToken !== this.token) {
      await this.transitions.apply(
        row.id,
        'interrupt',
        SYSTEM_ACTOR,
        'the console process running this job ended without shutting down (crash, kill -9 or power loss); nothing after its last checkpoint was kept',
      );
    }
    if (cause === 'start') {
      await this.transitions.apply(row.id, 'restart', SYSTEM_ACTOR, resumePoint(row.checkpoint as Checkpoint | null), { runToken: this.token });
    } else {
      await this.res.prisma.copyJob.update({ where: { id: row.id }, data: { runToken: this.token } });
    }
  }

  /** A history row from the run itself (the state stays); after the previous one, never racing it. */
  private note(id: string, live: LiveRun, event: CopyJobEvent, reason: string): void {
    live.history = live.history
      .then(() => this.transitions.apply(id, event, SYSTEM_ACTOR, reason))
      .catch((err) => this.res.log.warn({ job: id, event, err: (err as Error).message, reason }, 'could not record a copy job note in its history'));
  }

  /** Records how a run ended and applies the matching transition (clearing this process's claim). */
  private async settle(row: JobRow, live: LiveRun, final: CopyProgress): Promise<void> {
    const id = row.id;
    if (this.live.get(id) === live) this.live.delete(id);
    if (live.timer) clearTimeout(live.timer);
    await live.history;
    addSample(live.samples, final, Date.now());
    await this.res.prisma.copyJob.update({ where: { id }, data: { progress: { ...final, throughput: live.samples } as never } });
    const release = { runToken: null };
    // A run that reached the end while the console stopped is complete all the same.
    if (live.stopping && final.state !== 'completed') {
      this.res.log.info({ job: id, copied: final.copied }, 'copy job run stopped for shutdown; it resumes at the next start');
      await this.transitions.apply(id, 'interrupt', SYSTEM_ACTOR, `the console shut down; the job resumes from its checkpoint at the next start (${formatCount(final.scanned)} keys scanned so far)`, release).catch((e) => {
        // Paused (or cancelled) meanwhile: only the claim goes.
        if (!isAppError(e) || e.code !== 'CONFLICT') throw e;
        return this.res.prisma.copyJob.update({ where: { id }, data: release });
      });
      return;
    }
    let event: CopyJobEvent | undefined;
    let reason = final.error;
    if (final.state === 'completed') {
      const open = await this.openErrorKeys(id);
      event = open.total > 0 ? 'complete_with_errors' : 'complete';
      if (open.total > 0) reason = `${formatCount(open.total)} error keys are unresolved (${open.summary}); retry or resolve them`;
      if (live.interlays.length > 0) {
        const path = `copied while interlay ${live.interlays.map((i) => `"${i}"`).join(', ')} mirrored writes, coordinated (keys written during their copy are synced by state)`;
        reason = reason ? `${reason}; ${path}` : path;
      }
    } else if (final.state === 'failed') event = 'fail';
    else if (final.state === 'cancelled') event = 'cancel';
    let status: CopyJobState | undefined;
    if (event) {
      try {
        status = (await this.transitions.apply(id, event, SYSTEM_ACTOR, reason, release)).status;
      } catch (e) {
        // A person cancelled (or paused) at the same moment: their transition stands.
        if (!isAppError(e) || e.code !== 'CONFLICT') throw e;
      }
    }
    if (!status) {
      const updated = await this.res.prisma.copyJob.update({ where: { id }, data: release });
      status = updated.status;
    }
    if (status === 'completed') targetsRefilled(this.res.livePath, row.source, live.mirroredTargets);
    this.emit(id, { ...final, state: status });
  }

  /** Unresolved error keys of a job, in total and by class (for the history's words). */
  private async openErrorKeys(id: string): Promise<{ total: number; summary: string }> {
    const groups = await this.res.prisma.copyJobErrorKey.groupBy({ by: ['errorClass'], where: { jobId: id, resolved: false }, _count: { _all: true } });
    const total = groups.reduce((n, g) => n + g._count._all, 0);
    return { total, summary: groups.map((g) => `${g.errorClass} ${formatCount(g._count._all)}`).join(', ') };
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

  private emit(id: string, p: JobProgress, at = Date.now()): void {
    this.res.notifier.toRoom(`copy-job:${id}`, 'copy-job:progress', { ...p, id, at });
  }
}

/** Where a run resumed by a console start goes on from, for the history. */
function resumePoint(cp: Checkpoint | null): string {
  if (!cp) return 'the console started again; the job had no checkpoint yet, so it starts from the beginning';
  const c = countsOf(cp);
  return `the console started again; the job goes on from its checkpoint (${formatCount(c.scanned)} keys scanned, ${formatCount(cp.batches)} batches committed); batches in flight when it stopped are copied again`;
}

function emptyProgress(): CopyProgress {
  const now = new Date().toISOString();
  return { ...countsOf(undefined), state: 'failed', keys_per_sec: 0, bytes_per_sec: 0, estimated_total: 0, estimate: 'keyspace', eta_s: null, per_db: {}, started_at: now, updated_at: now };
}
