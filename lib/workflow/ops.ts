/**
 * The small operations every part of a run shares: reading a run with its setup, failing
 * it with a reason, and moving the interlay's routing (with the `traffic` event it makes).
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { AppError, conflict, isAppError } from '../errors';
import type { RoutingInput, RoutingView } from '../interlays/schema';
import type { Stage } from '../migration/stages';
import { RunEvents } from './events';
import { delay, runRow, setupOf, stateOf, type RunRow, type WorkflowResources } from './resources';

/** How long a move refused only because keys wait for a state sync is tried again. */
const TRANSIENT_SYNC_WAIT_MS = 5000;
import type { FailureView, MigrationSetup } from './schema';
import type { RunState } from './state';
import { RunTransitions } from './transitions';

/** Keys waiting for a state sync: under write load some always are, for a moment; not a loss of sync. */
export function isTransientSyncReason(reason: string): boolean {
  return /wait for a state sync/.test(reason);
}

export interface RouteMove {
  stage: Stage;
  /** The plan step this move reaches (null for completion, closing and rollback moves). */
  step: number | null;
  canary_percent?: number;
  shadow_sample_rate?: number;
  /** Force past the interlay's "target not known to be in sync" guard, with the reason recorded. */
  force?: { reason: string };
  /** When the interlay refuses without force, force with this reason (the workflow verified the target itself). */
  trusted?: string;
}

export class RunOps {
  readonly events: RunEvents;
  readonly transitions: RunTransitions;

  constructor(readonly res: WorkflowResources) {
    this.events = new RunEvents(res);
    this.transitions = new RunTransitions(res, this.events);
  }

  row(id: string): Promise<RunRow> {
    return runRow(this.res.prisma, id);
  }

  /** The run with its setup; 409 when it has none yet. */
  async withSetup(id: string): Promise<{ row: RunRow; setup: MigrationSetup; state: RunState }> {
    const row = await this.row(id);
    const setup = setupOf(row);
    if (!setup) throw conflict(`Migration ${id} has no setup yet; submit one first`);
    return { row, setup, state: stateOf(row) };
  }

  /** Moves the run to `failed` with a reason a person reads; retry returns to the state it failed in when `retryable`. */
  async fail(id: string, reason: string, retryable: boolean, actor: Actor = SYSTEM_ACTOR): Promise<void> {
    const row = await this.row(id);
    const failure: FailureView = { reason, retryable, in_state: stateOf(row), at: new Date().toISOString() };
    this.res.log.warn({ run: id, reason, retryable }, 'migration failed');
    await this.transitions.apply(id, 'fail', actor, { reason, patch: { failure: failure as never } });
  }

  /** The interlay's routing now. */
  routing(setup: MigrationSetup): Promise<RoutingView> {
    return this.res.interlays.getRouting(setup.interlay);
  }

  /**
   * Sets the interlay's routing for the run (its target, mirrors and policy, the stage of
   * `move`), records a `traffic` event and the plan step. Returns the routing as set.
   */
  async route(id: string, setup: MigrationSetup, move: RouteMove, actor: Actor, reason: string | null = null): Promise<RoutingView> {
    const before = await this.routing(setup);
    const input = {
      stage: move.stage,
      policy: setup.write_consistency,
      target: setup.target,
      mirrors: setup.mirror_targets,
      ...(move.canary_percent !== undefined ? { canary_percent: move.canary_percent } : {}),
      ...(move.shadow_sample_rate !== undefined ? { shadow_sample_rate: move.shadow_sample_rate } : {}),
    };
    let forced = move.force?.reason ?? null;
    let after: RoutingView;
    try {
      after = await this.setRouting(actor, setup.interlay, forced ? { ...input, force: true, reason: forced } : input);
    } catch (e) {
      if (!(isAppError(e) && e.code === 'CONFLICT' && move.trusted && !forced)) throw e;
      forced = move.trusted;
      after = await this.res.interlays.setRouting(actor, setup.interlay, { ...input, force: true, reason: forced });
    }
    if (move.step !== null) await this.res.prisma.migrationRun.update({ where: { id }, data: { trafficStep: move.step } });
    if (before.stage !== after.stage || before.canary_percent !== after.canary_percent || move.step !== null) {
      await this.events.record(id, 'traffic', actor.username, {
        from: before.stage,
        to: after.stage,
        step: move.step,
        ...(move.stage === 'canary' ? { canary_percent: after.canary_percent } : {}),
        forced: forced !== null,
        reason: forced ?? reason,
      });
    }
    return after;
  }

  /**
   * The interlay refuses a move while keys wait for a state sync; under write load a few
   * always do for a moment, so that refusal alone is tried again for a few seconds.
   */
  private async setRouting(actor: Actor, interlay: string, input: RoutingInput): Promise<RoutingView> {
    const end = Date.now() + TRANSIENT_SYNC_WAIT_MS;
    for (;;) {
      try {
        return await this.res.interlays.setRouting(actor, interlay, input);
      } catch (e) {
        const reasons = isAppError(e) && e.code === 'CONFLICT' ? ((e.extra.details as { reasons?: string[] } | undefined)?.reasons ?? []) : [];
        const transient = reasons.length > 0 && reasons.every(isTransientSyncReason);
        if (!transient || Date.now() > end) throw e;
        await delay(100);
      }
    }
  }

  /** The user may roll this run back: an operator or admin, or the setup's named rollback approver. */
  assertMayRollback(actor: Actor, setup: MigrationSetup): void {
    const operates = actor.role === 'admin' || actor.role === 'operator';
    if (!operates && actor.username !== setup.rollback_approver) {
      throw new AppError('FORBIDDEN', `Your role (${actor.role}) may not roll back this migration; operators, admins and its named rollback approver may`);
    }
  }
}
