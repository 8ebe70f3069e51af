/**
 * The guided migration runs as the browser sees them: the API's views and the setup schema
 * (re-exported from lib/workflow, browser-safe), the runbook steps the run page's stepper
 * shows, and the one-line help of every setup option.
 */
import type { RunState } from '@/lib/workflow/state';
import type { DataMovement, StrategyType } from '@/lib/workflow/schema';
import type { WriteConsistency } from '@/lib/migration/stages';

export { canRollback, hasMovedData, SETUP_EDITABLE, RUN_STATES, type RunState } from '@/lib/workflow/state';
export {
  setupSchema,
  STRATEGY_TYPES,
  DATA_MOVEMENTS,
  CANARY_WRITE_MODES,
  migrationRoom,
  type AcceptanceView,
  type ChecksView,
  type DataMovement,
  type MetricsView,
  type MigrationEvent,
  type MigrationSetup,
  type MigrationSetupInput,
  type PlanStep,
  type RunView,
  type StrategyType,
  type TransitionView,
} from '@/lib/workflow/schema';
export { WRITE_CONSISTENCY, type Stage, type WriteConsistency } from '@/lib/migration/stages';
export { CONFLICT_POLICIES } from '@/lib/copy-jobs/schema';

/** The runbook as the run page walks it; each step is one panel. */
export const RUNBOOK_STEPS = [
  { key: 'setup', label: 'Setup', description: 'Endpoints, strategy, options' },
  { key: 'prepare', label: 'Prepare', description: 'Checks, analysis, test run' },
  { key: 'review', label: 'Review', description: 'Findings and evidence' },
  { key: 'approve', label: 'Approve', description: 'Sign-off by an approver' },
  { key: 'execute', label: 'Execute', description: 'Bulk copy and mirroring' },
  { key: 'traffic', label: 'Traffic', description: 'Move clients step by step' },
  { key: 'accept', label: 'Accept & complete', description: 'Verify, confirm, complete' },
  { key: 'window', label: 'Rollback window', description: 'Source kept; closed after' },
] as const;
export type RunbookStep = (typeof RUNBOOK_STEPS)[number]['key'];

const STEP_OF_STATE: Record<RunState, RunbookStep> = {
  draft: 'setup',
  setup_submitted: 'prepare',
  preparing: 'prepare',
  awaiting_review: 'review',
  approved: 'execute',
  executing: 'execute',
  synced: 'traffic',
  shifting: 'traffic',
  accepting: 'accept',
  completed: 'window',
  closed: 'window',
  rolling_back: 'window',
  rolled_back: 'window',
  // Shown at the step they were entered from (return_to); `execute` when unknown.
  paused: 'execute',
  failed: 'execute',
};

/** The runbook step a run is at: where the stepper stands and which panel opens first. */
export function currentStep(state: RunState, returnTo: RunState | null): RunbookStep {
  if ((state === 'paused' || state === 'failed') && returnTo) return STEP_OF_STATE[returnTo];
  return STEP_OF_STATE[state];
}

export function stepIndex(step: RunbookStep): number {
  return RUNBOOK_STEPS.findIndex((s) => s.key === step);
}

/** Badge colours of run states (StatusBadge's convention: blue working, yellow waiting on a person, red failed). */
export const RUN_STATE_COLORS: Record<RunState, string> = {
  draft: 'gray',
  setup_submitted: 'gray',
  preparing: 'blue',
  awaiting_review: 'yellow',
  approved: 'teal',
  executing: 'blue',
  synced: 'teal',
  shifting: 'blue',
  accepting: 'yellow',
  completed: 'green',
  closed: 'gray',
  paused: 'yellow',
  rolling_back: 'orange',
  rolled_back: 'orange',
  failed: 'red',
};

export const STRATEGY_HELP: Record<StrategyType, string> = {
  big_bang: 'All traffic moves to the target at once, after the data is in sync and accepted.',
  canary: 'Reads move to the target in percentage steps; writes stay mirrored so any step can be undone.',
  blue_green: 'Switch the active side in one move; the other side is kept in sync for rollback.',
  shadow: 'Compare only: a sample of reads also runs on the target and is compared, never served from it.',
};

export const DATA_MOVEMENT_HELP: Record<DataMovement, string> = {
  bulk_then_mirror: 'Copy every key, then keep the target in sync by mirroring live writes (default).',
  bulk_only: 'Offline copy: applications must stop writing; traffic moves once, at completion.',
  mirror_only: 'The target is already seeded: only live writes are mirrored.',
};

export const WRITE_CONSISTENCY_HELP: Record<WriteConsistency, string> = {
  SourceAuthoritative: 'The source decides: clients get its reply, and the target is repaired from it (default).',
  TargetAuthoritative: 'The target decides: clients get its reply, and the source is repaired from it.',
  BothRequired: 'A write succeeds only when both sides accepted it.',
  BestEffort: 'Clients get the serving side’s reply; the other side is not repaired automatically.',
};

/** One-line help of every setup field, by its path in the setup body. */
export const SETUP_HELP = {
  source: 'The Redis applications use today.',
  target: 'The Redis the data moves to.',
  mirror_targets: 'Further endpoints that receive every mirrored write too (optional).',
  interlay: 'The interlay applications connect to; it must sit in front of the source.',
  strategy: 'How client traffic moves from the source to the target.',
  read_percentage: 'Share of reads the target serves at each canary step, increasing.',
  write_mode: 'dual_write: writes stay on the source until the last step; cutover: writes move at the final step.',
  active_is_new: 'On: the switch makes the target the active side; off: the source stays active.',
  sample_rate: 'Share of reads also run on the target and compared (0–1).',
  data_movement: 'How the data gets to the target.',
  conflict_policy: 'What the bulk copy does with keys that already exist on the target (live mirroring needs Replace).',
  write_consistency: 'Whose reply a client gets while both sides are written, and which side wins a repair.',
  preserve_ttl: 'Copy each key’s remaining time to live; off: copied keys never expire.',
  match: 'Copy only keys matching these glob patterns (SCAN MATCH); empty: every key.',
  types: 'Copy only keys of these types; empty: every type.',
  databases: 'Source db → target db; only the listed databases are copied. Empty: each db to itself.',
  rate_limit: 'Upper bound of the bulk copy, to spare the source; empty: unlimited.',
  rollback_window: 'How long after completion the source stays in sync and a rollback remains possible.',
  max_differences: 'Differences the acceptance verification may find and still pass.',
  max_mirror_lag_ms: 'Largest mirror lag (oldest unapplied write) allowed at acceptance.',
  verify_mode: 'full: compare every key; sample: a random sample.',
  ttl_tolerance_ms: 'TTL difference still counted as equal.',
  completion_second_approver: 'Completion also needs an approver other than the one who approved execution.',
  rollback_approver: 'Besides operators, this user may roll back (e.g. the on-call approver).',
  auto_rollback: 'Roll back automatically while the target serves traffic when a threshold is exceeded.',
  max_target_error_rate: 'Share of target-served commands answered with an error (0–1).',
  max_p99_ms: 'Target side p99 latency in milliseconds.',
  window_s: 'How long a threshold must be exceeded before rolling back.',
  divergence_growth: 'Also roll back when shadow or mirror divergences keep growing over the window.',
} as const;
