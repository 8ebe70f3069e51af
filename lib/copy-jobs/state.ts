/**
 * The copy job state machine: the states (mirrored by the Prisma enum CopyJobStatus), small
 * predicates, and one pure `transition(state, event)` function. Applying a transition is a
 * compare-and-set on (status, version) plus an appended transition row (transitions.ts).
 *
 *   running --pause--> paused --resume--> running
 *   running --complete--> completed                          (terminal)
 *   running --complete_with_errors--> completed_with_errors --errors_cleared--> completed
 *   running|paused|failed --cancel--> cancelled              (terminal)
 *   running|paused --fail--> failed --resume--> running      (continues from the checkpoint)
 *
 * The host's own notes keep the state and only add a row to the history:
 *   interrupt  running → running   the console stopped mid-run (shutdown, or a crash found at the next start)
 *   restart    running → running   the run went on from its checkpoint after that
 *   recover    running|paused → same   the engine found copied data at risk (a target lost
 *                                  its keys, the source restarted) and copies again
 *
 * A console shutdown is not a change of state: the job stays `running` and is resumed
 * from its checkpoint at the next start, so "paused" always means a person paused it.
 * `completed_with_errors` is where a run that reached the end with unresolved error keys
 * lands: it stays open for retry / resolve and becomes `completed` when none are left.
 */
export const COPY_JOB_STATES = ['running', 'paused', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export type CopyJobState = (typeof COPY_JOB_STATES)[number];

export const COPY_JOB_EVENTS = ['pause', 'resume', 'cancel', 'complete', 'complete_with_errors', 'errors_cleared', 'fail', 'interrupt', 'restart', 'recover'] as const;
export type CopyJobEvent = (typeof COPY_JOB_EVENTS)[number];

/** Completed and cancelled jobs are never left. */
export function isTerminal(s: CopyJobState): boolean {
  return s === 'completed' || s === 'cancelled';
}

/** States in which a job holds its endpoints (deleting one of them is refused): it may still copy, retry or repair. */
export function holdsEndpoints(s: CopyJobState): boolean {
  return !isTerminal(s);
}

/** States with a copy run in progress (running, or paused mid-run): its counts and error keys still move. */
export function isActive(s: CopyJobState): boolean {
  return s === 'running' || s === 'paused';
}

/** The state after `event`, or undefined when the event is not allowed in `state`. */
export function transition(state: CopyJobState, event: CopyJobEvent): CopyJobState | undefined {
  switch (state) {
    case 'running':
      switch (event) {
        case 'pause':
          return 'paused';
        case 'cancel':
          return 'cancelled';
        case 'complete':
          return 'completed';
        case 'complete_with_errors':
          return 'completed_with_errors';
        case 'fail':
          return 'failed';
        case 'interrupt':
        case 'restart':
        case 'recover':
          return 'running';
        case 'resume':
        case 'errors_cleared':
          return undefined;
        default:
          return unreachable(event);
      }
    case 'paused':
      switch (event) {
        case 'resume':
          return 'running';
        case 'cancel':
          return 'cancelled';
        // A run that was paused may still fail (e.g. while flushing its last batch).
        case 'fail':
          return 'failed';
        // Target checks go on while paused.
        case 'recover':
          return 'paused';
        case 'pause':
        case 'complete':
        case 'complete_with_errors':
        case 'errors_cleared':
        case 'interrupt':
        case 'restart':
          return undefined;
        default:
          return unreachable(event);
      }
    case 'failed':
      switch (event) {
        case 'resume':
          return 'running';
        case 'cancel':
          return 'cancelled';
        case 'pause':
        case 'complete':
        case 'complete_with_errors':
        case 'errors_cleared':
        case 'fail':
        case 'interrupt':
        case 'restart':
        case 'recover':
          return undefined;
        default:
          return unreachable(event);
      }
    case 'completed_with_errors':
      switch (event) {
        case 'errors_cleared':
          return 'completed';
        case 'pause':
        case 'resume':
        case 'cancel':
        case 'complete':
        case 'complete_with_errors':
        case 'fail':
        case 'interrupt':
        case 'restart':
        case 'recover':
          return undefined;
        default:
          return unreachable(event);
      }
    case 'completed':
    case 'cancelled':
      return undefined;
    default:
      return unreachable(state);
  }
}

function unreachable(x: never): never {
  throw new Error(`unhandled copy job state or event: ${String(x)}`);
}
