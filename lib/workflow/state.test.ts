import { describe, expect, it } from 'vitest';
import { allowedEvents, isTerminal, nextReturnTo, phaseOf, PHASES, PHASE_OF, RUN_EVENTS, RUN_STATES, transition, type RunEvent, type RunState } from './state';

/**
 * The table written out again by hand, independently of state.ts: every (state, event) pair
 * not listed here must be refused. `paused`/`failed` rows are keyed by their return_to.
 */
const LEGAL: Record<string, RunState> = {
  'draft/submit_setup': 'setup_submitted',
  'setup_submitted/submit_setup': 'setup_submitted',
  'setup_submitted/prepare': 'preparing',
  'setup_submitted/cancel': 'closed',
  'preparing/review_ready': 'awaiting_review',
  'preparing/fail': 'failed',
  'awaiting_review/submit_setup': 'setup_submitted',
  'awaiting_review/prepare': 'preparing',
  'awaiting_review/approve': 'approved',
  'awaiting_review/cancel': 'closed',
  'approved/submit_setup': 'setup_submitted',
  'approved/execute': 'executing',
  'approved/cancel': 'closed',
  'executing/mark_synced': 'synced',
  'executing/pause': 'paused',
  'executing/rollback': 'rolling_back',
  'executing/fail': 'failed',
  'synced/shift': 'shifting',
  'synced/begin_acceptance': 'accepting',
  'synced/pause': 'paused',
  'synced/rollback': 'rolling_back',
  'synced/fail': 'failed',
  'shifting/begin_acceptance': 'accepting',
  'shifting/pause': 'paused',
  'shifting/rollback': 'rolling_back',
  'shifting/fail': 'failed',
  'accepting/shift': 'shifting',
  'accepting/complete': 'completed',
  'accepting/rollback': 'rolling_back',
  'accepting/fail': 'failed',
  'completed/close': 'closed',
  'completed/rollback': 'rolling_back',
  'completed/fail': 'failed',
  'rolling_back/finish_rollback': 'rolled_back',
  'rolling_back/fail': 'failed',
  'rolled_back/close': 'closed',
};

/** paused and failed: the same for every return_to, plus resume / retry back to it. */
const PAUSED: Record<string, RunState> = { rollback: 'rolling_back', fail: 'failed' };
const FAILED: Record<string, RunState> = { rollback: 'rolling_back', cancel: 'closed' };
const PAUSABLE: RunState[] = ['executing', 'synced', 'shifting'];
const FAILABLE: RunState[] = ['preparing', 'executing', 'synced', 'shifting', 'accepting', 'completed', 'paused', 'rolling_back'];

function expected(state: RunState, event: RunEvent, returnTo: RunState | null): RunState | undefined {
  if (state === 'paused') {
    if (event === 'resume') return returnTo && PAUSABLE.includes(returnTo) ? returnTo : undefined;
    return PAUSED[event];
  }
  if (state === 'failed') {
    if (event === 'retry') return returnTo && FAILABLE.includes(returnTo) ? returnTo : undefined;
    return FAILED[event];
  }
  return LEGAL[`${state}/${event}`];
}

describe('migration run state machine', () => {
  it('allows exactly the transitions of the table, and refuses every other pair', () => {
    let legal = 0;
    let illegal = 0;
    for (const state of RUN_STATES) {
      for (const event of RUN_EVENTS) {
        for (const returnTo of [null, ...RUN_STATES]) {
          const want = expected(state, event, returnTo);
          expect(transition(state, event, returnTo), `${state} --${event}--> (return_to ${returnTo})`).toBe(want);
          if (want === undefined) illegal++;
          else legal++;
        }
      }
    }
    // The counts keep the loop honest: a table that refused everything would fail here.
    expect(legal).toBeGreaterThan(500);
    expect(illegal).toBeGreaterThan(3000);
  });

  it('never leaves closed, its one final state', () => {
    expect(RUN_STATES.filter(isTerminal)).toEqual(['closed']);
    for (const e of RUN_EVENTS) for (const r of [null, ...RUN_STATES]) expect(transition('closed', e, r)).toBeUndefined();
  });

  it('resumes where it was paused and retries where it failed', () => {
    for (const s of PAUSABLE) {
      const r = nextReturnTo(s, 'paused', null);
      expect(r).toBe(s);
      expect(transition('paused', 'resume', r)).toBe(s);
    }
    expect(transition('paused', 'resume', null)).toBeUndefined();
    expect(transition('paused', 'resume', 'approved')).toBeUndefined();
    expect(transition('failed', 'retry', nextReturnTo('shifting', 'failed', null))).toBe('shifting');
    // Failing while paused keeps the state the pause came from: a retry resumes that work.
    expect(nextReturnTo('paused', 'failed', 'synced')).toBe('synced');
    expect(nextReturnTo('failed', 'executing', 'executing')).toBeNull();
  });

  it('returns a changed setup to setup_submitted, even after approval, but not once data moves', () => {
    for (const s of ['draft', 'setup_submitted', 'awaiting_review', 'approved'] as const) expect(transition(s, 'submit_setup')).toBe('setup_submitted');
    for (const s of ['preparing', 'executing', 'synced', 'shifting', 'completed'] as const) expect(transition(s, 'submit_setup')).toBeUndefined();
  });

  it('lists the allowed events a UI enables', () => {
    expect(allowedEvents('awaiting_review')).toEqual(['submit_setup', 'prepare', 'approve', 'cancel']);
    expect(allowedEvents('paused', 'synced')).toEqual(['resume', 'rollback', 'fail']);
  });

  it('places every phase of the product on at least one state', () => {
    for (const p of PHASES) expect(Object.values(PHASE_OF)).toContain(p);
    expect(phaseOf('paused', 'shifting')).toBe('test');
    expect(phaseOf('failed', 'preparing')).toBe('pre-test');
    expect(phaseOf('draft')).toBeNull();
  });
});
