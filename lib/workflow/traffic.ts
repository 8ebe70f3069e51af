/**
 * Traffic: the operator moves the interlay through the plan's steps (plan.ts). Only the
 * next or the previous step without `force`; a jump needs force and a reason. The first
 * move past the execution's dual_write takes the run from `synced` to `shifting`.
 */
import { AppError, conflict } from '../errors';
import type { Actor } from '../auth/roles';
import type { RunOps } from './ops';
import { isAdjacent, planSteps } from './plan';
import type { PlanStep, RunView, TrafficInput } from './schema';
import { runView } from './views';

export class Traffic {
  constructor(private readonly ops: RunOps) {}

  async move(actor: Actor, id: string, input: TrafficInput): Promise<RunView> {
    const { row, setup, state } = await this.ops.withSetup(id);
    if (state !== 'synced' && state !== 'shifting' && state !== 'accepting') {
      throw conflict(`Migration ${id} is ${state}; traffic moves once the target is in sync (synced, shifting or accepting)`, { state });
    }
    const steps = planSteps(setup);
    const step = pick(steps, input);
    if (!input.force && !isAdjacent(row.trafficStep, step.index)) {
      throw conflict(`Step ${step.index} (${step.label}) is not next to the current step ${row.trafficStep ?? 'none'}: move one step at a time, or send force with a reason`);
    }
    // Mirror-only targets were seeded outside the console: the interlay cannot know them in sync, the approval vouches for them.
    const trusted = setup.data_movement === 'mirror_only' ? `mirror_only: the target was seeded outside the console (approved by ${row.approvedBy})` : undefined;
    await this.ops.route(
      id,
      setup,
      { stage: step.stage, step: step.index, canary_percent: step.canary_percent, shadow_sample_rate: step.shadow_sample_rate, force: input.force ? { reason: input.reason! } : undefined, trusted },
      actor,
      input.reason ?? null,
    );
    await this.ops.res.audit.record(actor, { action: 'migration.traffic', objectType: 'migration', objectId: id, details: { step: step.index, stage: step.stage, canary_percent: step.canary_percent, forced: Boolean(input.force), reason: input.reason } });
    if (state === 'synced' || state === 'accepting') {
      // Leaving acceptance: what was confirmed was the traffic before this move.
      const reopen = state === 'accepting' ? { acceptance: { ...((row.acceptance as object | null) ?? {}), confirmed_by: null, confirmed_at: null } as never } : undefined;
      if (step.index > 0 || state === 'accepting') await this.ops.transitions.apply(id, 'shift', actor, { reason: step.label, patch: reopen });
    }
    return runView(await this.ops.row(id), step.stage);
  }
}

function pick(steps: PlanStep[], input: TrafficInput): PlanStep {
  if (steps.length === 0) throw conflict('This migration has no traffic steps (bulk_only moves traffic at completion)');
  if (input.step !== undefined) {
    const s = steps[input.step];
    if (!s) throw new AppError('VALIDATION', `Invalid step: the plan has steps 0-${steps.length - 1}`, { issues: [{ path: 'step', message: `must be 0-${steps.length - 1}` }] });
    return s;
  }
  const s = steps.find((st) => st.stage === input.stage && (input.stage !== 'canary' || st.canary_percent === input.percentage));
  if (!s) {
    const offered = steps.map((st) => (st.stage === 'canary' ? `canary ${st.canary_percent}%` : st.stage)).join(', ');
    throw new AppError('VALIDATION', `Invalid stage: this migration's plan has ${offered}`, { issues: [{ path: input.stage === 'canary' ? 'percentage' : 'stage', message: `not a step of this plan (${offered})` }] });
  }
  return s;
}
