/**
 * The run host: one CopyRun per running job in this process, its throttled progress to
 * the job's Socket.IO room, and how a run's end becomes a transition.
 *
 * Lifecycle across restarts: a job stays `running` in the database while the console
 * stops (stop() aborts the runs after their current batch, the checkpoint is saved), and
 * start() resumes every `running` job from its checkpoint. "paused" is only ever set by a
 * person.
 */
import type { CopyProgress, RateLimit } from '../copy/types';
import { SYSTEM_ACTOR } from '../auth/roles';
import { isAppError } from '../errors';
import { buildSpec } from './spec';
import { countsOf, DbCopyStore } from './store';
import type { CopyJobEvent, CopyJobState } from './state';
import type { JobTransitions } from './transitions';
import { delay, jobRow, type CopyJobResources, type CopyRunLike, type JobRow } from './resources';
import type { CopyJobOptions } from './schema';
import type { JobProgressView, ThroughputSample } from './views';

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

export class RunHost {
  private readonly live = new Map<string, LiveRun>();
  private stopped = false;

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
      this.launch(row);
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
    else this.launch(row);
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

  launch(row: JobRow): void {
    if (this.live.has(row.id) || this.stopped) return;
    const log = this.res.log.child({ job: row.id });
    const abort = new AbortController();
    // A resumed job's chart continues from what its earlier runs recorded.
    const samples = [...(((row.progress as { throughput?: ThroughputSample[] } | null)?.throughput) ?? [])];
    const live: LiveRun = { abort, stopping: false, lastEmit: 0, samples } as LiveRun;
    this.live.set(row.id, live);
    live.done = (async () => {
      let final: CopyProgress;
      try {
        const spec = await buildSpec(this.res.endpoints, row.spec as CopyJobOptions);
        const store = new DbCopyStore(this.res.prisma, row.id);
        const engine = this.res.engine;
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
    await this.res.prisma.copyJob.update({ where: { id }, data: { progress: { ...final, throughput: live.samples } as never } });
    // A run that reached the end while the console stopped is complete all the same.
    if (live.stopping && final.state !== 'completed') {
      this.res.log.info({ job: id, copied: final.copied }, 'copy job run stopped for shutdown; it resumes at the next start');
      return;
    }
    const event: CopyJobEvent | undefined =
      final.state === 'completed' ? 'complete' : final.state === 'failed' ? 'fail' : final.state === 'cancelled' ? 'cancel' : undefined;
    let status: CopyJobState | undefined;
    if (event) {
      try {
        status = (await this.transitions.apply(id, event, SYSTEM_ACTOR, final.error)).status;
      } catch (e) {
        // A person cancelled (or paused) at the same moment: their transition stands.
        if (!isAppError(e) || e.code !== 'CONFLICT') throw e;
      }
    }
    status ??= (await jobRow(this.res.prisma, id)).status;
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
    this.res.notifier.toRoom(`copy-job:${id}`, 'copy-job:progress', { ...p, id, at });
  }
}

function emptyProgress(): CopyProgress {
  const now = new Date().toISOString();
  return { ...countsOf(undefined), state: 'failed', keys_per_sec: 0, bytes_per_sec: 0, estimated_total: 0, eta_s: null, per_db: {}, started_at: now, updated_at: now };
}
