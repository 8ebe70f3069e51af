/**
 * The traffic plan of a run: the interlay routing steps its strategy goes through, and the
 * stages completion and closing set. Pure; the UI shows the same steps.
 *
 * - big_bang:   dual_write → target_primary
 * - canary:     dual_write → canary p1 → … → canary pn → target_primary. Writes stay mirrored
 *               at every canary step whatever `write_mode` says: a canary serves reads from the
 *               target, and moving back must lose nothing, so the source keeps every write.
 *               `cutover` and `dual_write` differ only in what the last step means to the
 *               operator; both end at target_primary, which mirrors writes back to the source
 *               through the rollback window.
 * - blue_green: dual_write (both sides in sync) → target_primary when `active_is_new`; with
 *               `active_is_new: false` the new side stays the in-sync standby (dual_write only).
 * - shadow:     dual_write → shadow (sampled reads compared, never served); completion is a
 *               report, traffic never reaches the target.
 * - bulk_only:  no steps; the interlay stays at source while the copy runs (offline), and
 *               completion is the cutover (target_primary, mirroring back for the window).
 */
import type { CreateCopyJobInput } from '../copy-jobs/schema';
import type { Stage } from '../migration/stages';
import type { MigrationSetup, PlanStep } from './schema';

export function planSteps(setup: MigrationSetup): PlanStep[] {
  if (setup.data_movement === 'bulk_only') return [];
  const steps: Omit<PlanStep, 'index'>[] = [{ stage: 'dual_write', label: 'Dual write: writes to both sides, reads from the source' }];
  const s = setup.strategy;
  switch (s.type) {
    case 'big_bang':
      steps.push({ stage: 'target_primary', label: 'Cut over: the target serves reads and writes' });
      break;
    case 'canary':
      for (const p of s.read_percentage) steps.push({ stage: 'canary', canary_percent: p, label: `Canary: ${p}% of reads from the target` });
      steps.push({ stage: 'target_primary', label: 'Cut over: the target serves reads and writes' });
      break;
    case 'blue_green':
      if (s.active_is_new) steps.push({ stage: 'target_primary', label: 'Switch the active side to the new one' });
      break;
    case 'shadow':
      steps.push({ stage: 'shadow', shadow_sample_rate: s.sample_rate, label: `Shadow: ${Math.round(s.sample_rate * 100)}% of reads compared on the target` });
      break;
  }
  return steps.map((st, index) => ({ index, ...st }));
}

/** The stage completion sets (the source stays written through the rollback window). */
export function completionStage(setup: MigrationSetup): Stage {
  if (setup.strategy.type === 'shadow') return 'shadow';
  if (setup.strategy.type === 'blue_green' && !setup.strategy.active_is_new) return 'dual_write';
  return 'target_primary';
}

/** The stage the interlay is left in when the rollback window ends and the run closes. */
export function closingStage(setup: MigrationSetup): Stage {
  if (setup.strategy.type === 'shadow') return 'source';
  if (setup.strategy.type === 'blue_green' && !setup.strategy.active_is_new) return 'dual_write';
  return 'target';
}

/** Whether the data movement mirrors writes live (the interlay routes to the target during execution). */
export function mirrorsLive(setup: MigrationSetup): boolean {
  return setup.data_movement !== 'bulk_only';
}

/** Whether the run copies in bulk (a copy job). */
export function copiesBulk(setup: MigrationSetup): boolean {
  return setup.data_movement !== 'mirror_only';
}

/**
 * The copy job (and the direct comparison) of a run: every target including the mirrors,
 * the setup's filters and databases. The conflict policy is the setup's, which is always
 * Replace with live mirroring (a copy racing mirrored writes must overwrite).
 */
export function copyOptions(setup: MigrationSetup): CreateCopyJobInput {
  return {
    source: setup.source,
    targets: [setup.target, ...setup.mirror_targets],
    match: setup.key_filters.match,
    types: setup.key_filters.types,
    databases: setup.databases,
    conflict_policy: setup.conflict_policy,
    preserve_ttl: setup.preserve_ttl,
    rate_limit: setup.rate_limit,
  };
}

/** Whether `to` may follow `from` without force: the next or the previous step. */
export function isAdjacent(from: number | null, to: number): boolean {
  return from === null ? to === 0 : Math.abs(to - from) === 1;
}

/** Whether a step serves reads or writes from the target (the auto-rollback monitor watches then). */
export function servesTarget(stage: Stage): boolean {
  return stage === 'canary' || stage === 'target_primary' || stage === 'target';
}
