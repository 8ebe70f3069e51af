import { describe, expect, it } from 'vitest';
import { COPY_JOB_EVENTS, COPY_JOB_STATES, isTerminal, transition } from './state';

describe('copy job state machine', () => {
  it('never leaves a terminal state', () => {
    for (const s of COPY_JOB_STATES.filter(isTerminal)) {
      for (const e of COPY_JOB_EVENTS) expect(transition(s, e)).toBeUndefined();
    }
  });

  it('pauses, resumes, completes and cancels a running job', () => {
    expect(transition('running', 'pause')).toBe('paused');
    expect(transition('paused', 'resume')).toBe('running');
    expect(transition('running', 'complete')).toBe('completed');
    expect(transition('paused', 'cancel')).toBe('cancelled');
    expect(transition('running', 'resume')).toBeUndefined();
    expect(transition('paused', 'pause')).toBeUndefined();
  });

  it('lets a failed job be resumed or cancelled', () => {
    expect(transition('running', 'fail')).toBe('failed');
    expect(transition('failed', 'resume')).toBe('running');
    expect(transition('failed', 'cancel')).toBe('cancelled');
    expect(transition('failed', 'complete')).toBeUndefined();
  });
});

describe('copy job outcomes and the host notes', () => {
  it('finishes with errors, and completes once the errors are cleared', () => {
    expect(transition('running', 'complete_with_errors')).toBe('completed_with_errors');
    expect(transition('completed_with_errors', 'errors_cleared')).toBe('completed');
    expect(transition('running', 'errors_cleared')).toBeUndefined();
    expect(isTerminal('completed_with_errors')).toBe(false);
    expect(transition('completed_with_errors', 'resume')).toBeUndefined();
  });

  it('keeps the state for interrupt, restart and recover, only where a run exists', () => {
    for (const e of ['interrupt', 'restart', 'recover'] as const) expect(transition('running', e)).toBe('running');
    expect(transition('paused', 'recover')).toBe('paused');
    expect(transition('paused', 'interrupt')).toBeUndefined();
    expect(transition('failed', 'recover')).toBeUndefined();
  });
});
