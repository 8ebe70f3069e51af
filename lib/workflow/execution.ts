/**
 * Execution: the data movement of an approved run, per mode, until the target is in sync.
 *
 * - bulk_then_mirror: the interlay goes to dual_write (policy, target, mirrors from the
 *   setup) first, then a copy job (conflict Replace) fills the target and every mirror; the
 *   run is `synced` when the copy completed, the interlay says the target is in sync, and
 *   the mirror has drained (nothing queued, no key waiting for a state sync).
 * - bulk_only: the interlay stays at source (offline: writers are stopped by the operator);
 *   `synced` when the copy completed. The cutover happens at completion.
 * - mirror_only: the target was seeded elsewhere; only dual_write; `synced` once the mirror
 *   link is in sync and drained.
 *
 * Every step is idempotent (the host calls it again after a restart): routing already set
 * and a copy job already created are kept.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { conflict, isAppError } from '../errors';
import type { InterlayMetrics } from '../interlay/types';
import { isTransientSyncReason, type RunOps } from './ops';
import { copiesBulk, copyOptions, mirrorsLive, planSteps } from './plan';
import type { RunRow } from './resources';
import type { MigrationSetup, RunView } from './schema';
import { runView } from './views';

const MILESTONES = [25, 50, 75, 100];
/** New error keys are announced at most this often (a burst is one event, not thousands). */
const ERROR_KEY_EVENT_MS = 5000;

export interface MirrorState {
  running: boolean;
  in_sync: boolean;
  lag_ms: number;
  queue_depth: number;
  pending: number;
  failures: number;
}

export class Execution {
  private readonly milestones = new Map<string, number>();
  private readonly errorKeys = new Map<string, { seen: number; at: number }>();
  private readonly waits = new Map<string, string>();

  constructor(private readonly ops: RunOps) {}

  private get res() {
    return this.ops.res;
  }

  async execute(actor: Actor, id: string): Promise<RunView> {
    const { row, setup } = await this.ops.withSetup(id);
    if (row.approvedHash === null || row.approvedHash !== row.setupHash) throw conflict(`Migration ${id}'s setup is not the one approved; prepare and approve it again`);
    if (mirrorsLive(setup)) {
      const il = await this.res.interlays.get(setup.interlay);
      if (il.status !== 'listening') throw conflict(`Interlay "${setup.interlay}" is ${il.status}: start it (applications write through it) before executing`);
    }
    await this.ops.transitions.apply(id, 'execute', actor);
    try {
      await this.ensureDataMovement(id, actor);
    } catch (e) {
      await this.ops.fail(id, `could not start the data movement: ${(e as Error).message}`, true);
    }
    return runView(await this.ops.row(id));
  }

  /** Dual write (unless bulk_only), then the copy job (unless mirror_only); keeps what exists. */
  async ensureDataMovement(id: string, actor: Actor): Promise<void> {
    const { row, setup } = await this.ops.withSetup(id);
    if (mirrorsLive(setup)) {
      const r = await this.ops.routing(setup);
      if (r.stage === 'source' || r.target !== setup.target) {
        const first = planSteps(setup)[0]!;
        await this.ops.route(id, setup, { stage: first.stage, step: 0 }, actor, 'execution: live mirroring to the target');
      }
    }
    if (copiesBulk(setup) && !row.copyJobId) {
      const job = await this.res.copyJobs.create(actor, copyOptions(setup));
      await this.res.prisma.migrationRun.update({ where: { id }, data: { copyJobId: job.id } });
      await this.ops.events.record(id, 'progress', actor.username, { milestone: 'copy_started', detail: `copy job ${job.id}` });
    }
  }

  /** Host: an executing run reaches `synced`, or fails when its copy job did. */
  async advance(row: RunRow): Promise<void> {
    const setup = row.setup as MigrationSetup;
    if ((mirrorsLive(setup) && row.trafficStep === null) || (copiesBulk(setup) && !row.copyJobId)) {
      return this.ensureDataMovement(row.id, SYSTEM_ACTOR).catch((e) => this.ops.fail(row.id, `could not start the data movement: ${(e as Error).message}`, true));
    }
    let copyDone = !copiesBulk(setup);
    if (row.copyJobId) {
      const job = await this.res.copyJobs.get(row.copyJobId);
      await this.noteProgress(row.id, job.progress?.estimated_total ? Math.min(100, Math.floor((100 * job.counts.scanned) / job.progress.estimated_total)) : 0, job.status === 'completed');
      await this.noteErrorKeys(row.id, job.error_key_counts.unresolved);
      if (job.status === 'failed') return this.ops.fail(row.id, `the copy job failed: ${job.error ?? 'unknown error'}`, true);
      if (job.status === 'cancelled') return this.ops.fail(row.id, 'the copy job was cancelled', false);
      copyDone = job.status === 'completed';
    }
    if (!copyDone) return;
    if (mirrorsLive(setup)) {
      // In sync: every link took every write (none dropped, no data lost). Writes in flight and keys
      // waiting for a state sync are not a backlog under live load; a move waits them out (ops.ts).
      const m = await this.mirror(setup);
      if (!m.running) return this.noteOnce(row.id, 'waiting_for_interlay', `interlay "${setup.interlay}" is not running: start it so writes are mirrored`);
      if (!m.in_sync) return this.noteOnce(row.id, 'waiting_for_mirror', 'a mirror link dropped writes or its server lost data; the interlay resyncs it');
      if (copiesBulk(setup) && !(await this.ops.routing(setup)).sync.reasons.every(isTransientSyncReason)) return;
      await this.ops.events.record(row.id, 'progress', 'system', { milestone: 'mirror_drained', detail: `lag ${m.lag_ms} ms, ${m.queue_depth} write(s) in flight, ${m.pending} key(s) syncing` });
    }
    await this.ops.transitions.apply(row.id, 'mark_synced', SYSTEM_ACTOR, { reason: mirrorsLive(setup) ? 'the copy completed and the mirror has drained' : 'the copy completed' });
    this.forget(row.id);
  }

  /** The target link of the interlay's mirror (not running: nothing can be in sync). */
  async mirror(setup: MigrationSetup): Promise<MirrorState> {
    let m: InterlayMetrics;
    try {
      m = await this.res.interlays.metrics(setup.interlay);
    } catch (e) {
      if (isAppError(e) && e.code === 'CONFLICT') return { running: false, in_sync: false, lag_ms: 0, queue_depth: 0, pending: 0, failures: 0 };
      throw e;
    }
    const links = m.mirror.links;
    const target = links.find((l) => l.name === 'target');
    return {
      running: true,
      in_sync: links.length > 0 && links.every((l) => l.in_sync && !l.lost_data),
      lag_ms: Math.max(0, ...links.map((l) => l.lag_ms)),
      queue_depth: links.reduce((n, l) => n + l.queue_depth, 0),
      pending: m.mirror.syncs.pending + m.mirror.syncs.running,
      failures: target?.failures ?? 0,
    };
  }

  async pause(actor: Actor, id: string, reason?: string): Promise<RunView> {
    const row = await this.ops.transitions.apply(id, 'pause', actor, { reason });
    if (row.copyJobId) await this.res.copyJobs.pause(actor, row.copyJobId).catch((e) => this.res.log.info({ err: e, run: id }, 'copy job not paused'));
    return runView(row);
  }

  async resume(actor: Actor, id: string): Promise<RunView> {
    const row = await this.ops.transitions.apply(id, 'resume', actor);
    if (row.copyJobId) await this.res.copyJobs.resume(actor, row.copyJobId).catch((e) => this.res.log.info({ err: e, run: id }, 'copy job not resumed'));
    return runView(row);
  }

  /** Retry of a failed execution: the copy job goes on from its checkpoint. */
  async retry(actor: Actor, row: RunRow): Promise<void> {
    if (!row.copyJobId) return;
    const job = await this.res.copyJobs.get(row.copyJobId);
    if (job.status === 'failed' || job.status === 'paused') await this.res.copyJobs.resume(actor, row.copyJobId);
  }

  private async noteProgress(id: string, percent: number, done: boolean): Promise<void> {
    const last = this.milestones.get(id) ?? 0;
    const reached = MILESTONES.filter((p) => p > last && (p <= percent || (done && p === 100))).pop();
    if (reached === undefined) return;
    this.milestones.set(id, reached);
    await this.ops.events.record(id, 'progress', 'system', { milestone: `copy_${reached}`, percent: reached });
  }

  private async noteErrorKeys(id: string, unresolved: number): Promise<void> {
    const last = this.errorKeys.get(id);
    const now = Date.now();
    if (last && (unresolved <= last.seen || now - last.at < ERROR_KEY_EVENT_MS)) return;
    if (!last && unresolved === 0) return;
    this.errorKeys.set(id, { seen: unresolved, at: now });
    await this.ops.events.record(id, 'error_keys', 'system', { unresolved, new: unresolved - (last?.seen ?? 0) });
  }

  /** A progress event for a wait, once per run and reason until the run moves on (not every tick). */
  private async noteOnce(id: string, milestone: string, detail: string): Promise<void> {
    const seen = this.waits.get(id);
    if (seen === milestone) return;
    this.waits.set(id, milestone);
    await this.ops.events.record(id, 'progress', 'system', { milestone, detail });
  }

  /** The run left execution: its progress memory goes. */
  private forget(id: string): void {
    this.waits.delete(id);
    this.milestones.delete(id);
    this.errorKeys.delete(id);
  }

}
