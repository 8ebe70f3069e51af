/**
 * The guided migration workflow's state machine (a "run"): the states (mirrored by the Prisma
 * enum MigrationState), the events, small predicates, and one pure `transition` function.
 * Applying a transition is a compare-and-set on (state, version) plus an appended transition
 * row (lib/db/transition.ts, bound in transitions.ts). Browser-safe: no imports.
 *
 *   draft ─submit_setup─▶ setup_submitted ─prepare─▶ preparing ─review_ready─▶ awaiting_review
 *   awaiting_review ─approve─▶ approved ─execute─▶ executing ─mark_synced─▶ synced
 *   synced ─shift─▶ shifting ─begin_acceptance─▶ accepting ─complete─▶ completed ─close─▶ closed
 *   synced ─begin_acceptance─▶ accepting          (no traffic steps: bulk_only)
 *   accepting ─shift─▶ shifting                   (acceptance not met: move traffic again)
 *   setup_submitted|awaiting_review|approved ─submit_setup─▶ setup_submitted   (new prepare + approval)
 *   awaiting_review ─prepare─▶ preparing          (prepare again after fixing a blocking finding)
 *   executing|synced|shifting ─pause─▶ paused ─resume─▶ the state it was paused in
 *   executing|synced|shifting|accepting|completed|paused|failed ─rollback─▶ rolling_back
 *   rolling_back ─finish_rollback─▶ rolled_back ─close─▶ closed
 *   any working state ─fail─▶ failed ─retry─▶ the state it failed in (when retryable)
 *   setup_submitted|awaiting_review|approved|failed ─cancel─▶ closed          (nothing moved yet)
 *
 * `closed` is final and never left. `paused` and `failed` keep the state they were entered from
 * (`return_to`); `resume` and `retry` go back there, so the pure function takes it as an argument.
 * The service adds the guards that need data (who may approve, the rollback window is open,
 * cancel only before any data moved, retry only when retryable).
 *
 * Where the product's phases fall (see README.md):
 *   pre-test  preparing                       compatibility checks and the test run
 *   analyze   awaiting_review, approved       keyspace / workload analysis reviewed, approval
 *   migrate   executing, synced               bulk copy + live mirroring until in sync
 *   test      shifting                        traffic steps (shadow compare, canary reads, cutover)
 *   compare   accepting                       verification of source vs target, lag, error keys
 *   commit    completed, closed               target serves; source kept through the rollback window
 *   rollback  rolling_back, rolled_back       traffic back to the source, verified
 */
export const RUN_STATES = [
  'draft',
  'setup_submitted',
  'preparing',
  'awaiting_review',
  'approved',
  'executing',
  'synced',
  'shifting',
  'accepting',
  'completed',
  'closed',
  'paused',
  'rolling_back',
  'rolled_back',
  'failed',
] as const;
export type RunState = (typeof RUN_STATES)[number];

export const RUN_EVENTS = [
  'submit_setup',
  'prepare',
  'review_ready',
  'approve',
  'execute',
  'mark_synced',
  'shift',
  'begin_acceptance',
  'complete',
  'close',
  'pause',
  'resume',
  'rollback',
  'finish_rollback',
  'fail',
  'retry',
  'cancel',
] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

export const PHASES = ['pre-test', 'analyze', 'migrate', 'test', 'compare', 'commit', 'rollback'] as const;
export type Phase = (typeof PHASES)[number];

/** The product phase each state belongs to (null: setup, before the phases; paused/failed: that of `return_to`). */
export const PHASE_OF: Readonly<Record<RunState, Phase | null>> = {
  draft: null,
  setup_submitted: null,
  preparing: 'pre-test',
  awaiting_review: 'analyze',
  approved: 'analyze',
  executing: 'migrate',
  synced: 'migrate',
  shifting: 'test',
  accepting: 'compare',
  completed: 'commit',
  closed: 'commit',
  paused: null,
  rolling_back: 'rollback',
  rolled_back: 'rollback',
  failed: null,
};

export function phaseOf(state: RunState, returnTo: RunState | null = null): Phase | null {
  if ((state === 'paused' || state === 'failed') && returnTo) return PHASE_OF[returnTo];
  return PHASE_OF[state];
}

/** States a run may be paused in (data is moving); resume returns to the same one. */
export const PAUSABLE: readonly RunState[] = ['executing', 'synced', 'shifting'];
/** States with background work that can fail; retry returns to the same one. */
export const FAILABLE: readonly RunState[] = ['preparing', 'executing', 'synced', 'shifting', 'accepting', 'completed', 'paused', 'rolling_back'];
/** States a rollback may start from (data has moved); from `completed` only while the window is open. */
export const ROLLBACK_FROM: readonly RunState[] = ['executing', 'synced', 'shifting', 'accepting', 'completed', 'paused', 'failed'];
/** States whose setup may still change (a change after approval needs a new prepare and approval). */
export const SETUP_EDITABLE: readonly RunState[] = ['draft', 'setup_submitted', 'awaiting_review', 'approved'];

/** `closed` is never left. */
export function isTerminal(s: RunState): boolean {
  return s === 'closed';
}

/** Whether the run's data movement has begun (the interlay routes or a copy job exists). */
export function hasMovedData(s: RunState, returnTo: RunState | null = null): boolean {
  const at = s === 'paused' || s === 'failed' ? returnTo : s;
  return at !== null && ['executing', 'synced', 'shifting', 'accepting', 'completed', 'rolling_back', 'rolled_back', 'paused'].includes(at);
}

/** Whether the host has work to run for a run in this state (host.ts resumes these at start). */
export function needsHost(s: RunState): boolean {
  return s === 'preparing' || s === 'executing' || s === 'synced' || s === 'shifting' || s === 'accepting' || s === 'completed' || s === 'rolling_back';
}

export function canApprove(s: RunState): boolean {
  return s === 'awaiting_review';
}

export function canRollback(s: RunState): boolean {
  return ROLLBACK_FROM.includes(s);
}

/**
 * The state after `event`, or undefined when `state` does not allow it. `returnTo` is the
 * run's stored `return_to` (the state `paused` or `failed` was entered from); `pause` and
 * `fail` set it, `resume` and `retry` go back to it.
 */
export function transition(state: RunState, event: RunEvent, returnTo: RunState | null = null): RunState | undefined {
  if (isTerminal(state)) return undefined;
  switch (event) {
    case 'submit_setup':
      return SETUP_EDITABLE.includes(state) ? 'setup_submitted' : undefined;
    case 'prepare':
      return state === 'setup_submitted' || state === 'awaiting_review' ? 'preparing' : undefined;
    case 'review_ready':
      return state === 'preparing' ? 'awaiting_review' : undefined;
    case 'approve':
      return state === 'awaiting_review' ? 'approved' : undefined;
    case 'execute':
      return state === 'approved' ? 'executing' : undefined;
    case 'mark_synced':
      return state === 'executing' ? 'synced' : undefined;
    case 'shift':
      return state === 'synced' || state === 'accepting' ? 'shifting' : undefined;
    case 'begin_acceptance':
      return state === 'synced' || state === 'shifting' ? 'accepting' : undefined;
    case 'complete':
      return state === 'accepting' ? 'completed' : undefined;
    case 'close':
      return state === 'completed' || state === 'rolled_back' ? 'closed' : undefined;
    case 'pause':
      return PAUSABLE.includes(state) ? 'paused' : undefined;
    case 'resume':
      return state === 'paused' && returnTo !== null && PAUSABLE.includes(returnTo) ? returnTo : undefined;
    case 'rollback':
      return ROLLBACK_FROM.includes(state) ? 'rolling_back' : undefined;
    case 'finish_rollback':
      return state === 'rolling_back' ? 'rolled_back' : undefined;
    case 'fail':
      return FAILABLE.includes(state) ? 'failed' : undefined;
    case 'retry':
      return state === 'failed' && returnTo !== null && FAILABLE.includes(returnTo) ? returnTo : undefined;
    case 'cancel':
      return state === 'setup_submitted' || state === 'awaiting_review' || state === 'approved' || state === 'failed' ? 'closed' : undefined;
    default:
      return unreachable(event);
  }
}

/** What `return_to` becomes after a transition: set on entering paused/failed, kept while there, cleared otherwise. */
export function nextReturnTo(from: RunState, to: RunState, current: RunState | null): RunState | null {
  if (to === 'paused' || to === 'failed') return from === 'paused' || from === 'failed' ? current : from;
  return null;
}

/** The events a run in `state` accepts (the UI enables its buttons from this). */
export function allowedEvents(state: RunState, returnTo: RunState | null = null): RunEvent[] {
  return RUN_EVENTS.filter((e) => transition(state, e, returnTo) !== undefined);
}

function unreachable(x: never): never {
  throw new Error(`unhandled migration run event: ${String(x)}`);
}
