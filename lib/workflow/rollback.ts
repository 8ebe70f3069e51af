/**
 * Rollback: traffic returns to the source stage by stage (… → dual_write → source), the
 * mirror drains, source and target are compared, and the outcome is recorded. Allowed from
 * executing to completed (while the rollback window is open), for operators, admins and
 * the setup's named rollback approver, or the auto-rollback monitor.
 *
 * Nothing written is lost: every stage before `target` writes the source (target_primary
 * mirrors writes back to it), so moving back only changes where clients are served from.
 * The comparison runs in dual_write, after the drain, while both sides still receive every
 * write; the last move to `source` stops the mirroring. The host drives the steps, each
 * idempotent, so a restart mid-rollback goes on where it was.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { conflict } from '../errors';
import { stageIndex, type Stage } from '../migration/stages';
import type { Execution } from './execution';
import type { RunOps } from './ops';
import { stateOf, type RunRow } from './resources';
import { rollbackWindowMs, type MigrationSetup, type RollbackOutcome, type RunView } from './schema';
import { readComparison, startComparison, type Comparison } from './compare';
import { canRollback } from './state';
import { runView } from './views';

type StoredRollback = RollbackOutcome & { comparison?: Comparison | null };

export class Rollback {
  constructor(
    private readonly ops: RunOps,
    private readonly execution: Execution,
  ) {}

  private get res() {
    return this.ops.res;
  }

  async start(actor: Actor, id: string, reason: string, automatic = false): Promise<RunView> {
    const { row, setup, state } = await this.ops.withSetup(id);
    if (!automatic) this.ops.assertMayRollback(actor, setup);
    if (!canRollback(state)) throw conflict(`Migration ${id} is ${state}; a rollback is possible from executing until the rollback window closes`, { state });
    if (state === 'completed' && row.windowEndsAt && row.windowEndsAt.getTime() <= Date.now()) throw conflict(`The rollback window of migration ${id} ended at ${row.windowEndsAt.toISOString()}`);
    const outcome: StoredRollback = { started_at: new Date().toISOString(), finished_at: null, reason, by: actor.username, automatic, stages: [], verification: null, ok: null, comparison: null };
    const updated = await this.ops.transitions.apply(id, 'rollback', actor, { reason, patch: { rollback: outcome as never } });
    // A copy still running fills a target that is being abandoned.
    if (row.copyJobId) {
      const job = await this.res.copyJobs.get(row.copyJobId);
      if (job.status === 'running' || job.status === 'paused') await this.res.copyJobs.cancel(SYSTEM_ACTOR, row.copyJobId).catch((e) => this.res.log.warn({ err: e, run: id }, 'could not cancel the copy job'));
    }
    return runView(updated);
  }

  /** Host: one step of a rollback in progress. */
  async advance(row: RunRow): Promise<void> {
    if (stateOf(row) !== 'rolling_back') return;
    const setup = row.setup as MigrationSetup;
    const out = row.rollback as unknown as StoredRollback;
    const routing = await this.ops.routing(setup);
    const stage = routing.stage;
    if (stageIndex(stage) > stageIndex('dual_write')) {
      // One step back to dual_write: from target the source missed the writes, so it is forced with the reason.
      await this.ops.route(row.id, setup, { stage: 'dual_write', step: null, ...(stage === 'target' ? { force: { reason: `rollback: ${out.reason}` } } : {}) }, SYSTEM_ACTOR, `rollback: ${out.reason}`);
      return this.save(row.id, { ...out, stages: [...out.stages, 'dual_write'] });
    }
    if (stage === 'dual_write') {
      if (!out.comparison) {
        const m = await this.execution.mirror(setup);
        const waited = Date.now() - Date.parse(out.started_at);
        if (m.running && (m.queue_depth > 0 || m.pending > 0) && waited < this.res.drainTimeoutMs) return;
        await this.ops.events.record(row.id, 'progress', 'system', { milestone: 'rollback_drained', detail: m.running ? `queue ${m.queue_depth}, pending syncs ${m.pending}` : 'the interlay is not running' });
        const c = await startComparison(this.res, row, setup, 'full', setup.acceptance.ttl_tolerance_ms);
        return this.save(row.id, { ...out, comparison: c });
      }
      const c = await readComparison(this.res, row, setup, out.comparison, setup.acceptance.ttl_tolerance_ms);
      if (c.status === 'running') return;
      const verification = c.status === 'completed' ? { differences: c.differences, checked: c.checked, missing: c.missing } : null;
      await this.ops.events.record(row.id, 'check', 'system', { name: 'rollback_verification', ok: c.status === 'completed' && c.differences === 0, detail: verification ? `${c.differences} difference(s) in ${c.checked} keys` : `verification failed: ${c.error ?? ''}` });
      await this.ops.route(row.id, setup, { stage: 'source', step: null }, SYSTEM_ACTOR, `rollback: ${out.reason}`);
      return this.save(row.id, { ...out, comparison: c, verification, stages: [...out.stages, 'source'] });
    }
    // At source: done. The window (same length) keeps the run open for inspection before it closes.
    const ok = out.comparison ? out.comparison.status === 'completed' && out.comparison.differences === 0 : null;
    const finished: StoredRollback = { ...out, finished_at: new Date().toISOString(), ok, stages: out.stages.length ? out.stages : (['source'] as Stage[]) };
    await this.ops.transitions.apply(row.id, 'finish_rollback', SYSTEM_ACTOR, {
      reason: ok === false ? 'traffic is back on the source; the comparison found differences (see the rollback outcome)' : 'traffic is back on the source',
      patch: { rollback: finished as never, windowEndsAt: new Date(Date.now() + rollbackWindowMs(setup.rollback_window)) },
    });
  }

  private async save(id: string, out: StoredRollback): Promise<void> {
    await this.res.prisma.migrationRun.update({ where: { id }, data: { rollback: out as never } });
  }
}
