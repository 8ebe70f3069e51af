/**
 * The copy job state machine: the states (mirrored by the Prisma enum CopyJobStatus), small
 * predicates, and one pure `transition(state, event)` function. Applying a transition is a
 * compare-and-set on (status, version) plus an appended transition row (service.ts).
 *
 *   running --pause--> paused --resume--> running
 *   running --complete--> completed            (terminal)
 *   running|paused|failed --cancel--> cancelled (terminal)
 *   running|paused --fail--> failed --resume--> running (continues from the checkpoint)
 *
 * A console shutdown is not a transition: the job stays `running` and is resumed from its
 * checkpoint at the next start, so "paused" always means a person paused it.
 */
export const COPY_JOB_STATES = ['running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type CopyJobState = (typeof COPY_JOB_STATES)[number];

export const COPY_JOB_EVENTS = ['pause', 'resume', 'cancel', 'complete', 'fail'] as const;
export type CopyJobEvent = (typeof COPY_JOB_EVENTS)[number];

/** Completed and cancelled jobs are never left. */
export function isTerminal(s: CopyJobState): boolean {
  return s === 'completed' || s === 'cancelled';
}

/** States in which a job holds its endpoints (deleting one of them is refused). */
export function holdsEndpoints(s: CopyJobState): boolean {
  return !isTerminal(s);
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
        case 'fail':
          return 'failed';
        case 'resume':
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
        case 'pause':
        case 'complete':
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
        case 'fail':
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
