import { describe, expect, it } from 'vitest';
import { RUN_STATES } from '@/lib/workflow/state';
import type { MigrationEvent } from '@/lib/workflow/schema';
import { describeEvent } from './migration-events';
import { currentStep, RUNBOOK_STEPS, stepIndex } from './migration-types';

const base = { run_id: 'r', seq: 1, at: '2026-12-01T12:00:00.000Z', actor: 'alice' };

describe('describeEvent', () => {
  it('names a state change with its reason', () => {
    const e: MigrationEvent = { ...base, type: 'state', data: { from: 'awaiting_review', to: 'approved', event: 'approve', reason: 'looks good' } };
    expect(describeEvent(e)).toBe('awaiting review → approved (approve): looks good');
  });

  it('names a traffic move with the canary share and a forced jump', () => {
    const e: MigrationEvent = { ...base, type: 'traffic', data: { from: 'dual_write', to: 'canary', step: 1, canary_percent: 5, forced: true, reason: 'hotfix' } };
    expect(describeEvent(e)).toBe('traffic dual write → canary (5% of reads) (forced): hotfix');
  });

  it('names progress milestones, checks, error key bursts and monitor alerts', () => {
    expect(describeEvent({ ...base, type: 'progress', data: { milestone: 'copy_50', percent: 50 } })).toBe('copy 50%');
    expect(describeEvent({ ...base, type: 'progress', data: { milestone: 'mirror_drained', detail: 'lag 0 ms' } })).toBe('mirror drained — lag 0 ms');
    expect(describeEvent({ ...base, type: 'check', data: { name: 'mirror_lag', ok: false, detail: '1200 ms > 1000 ms' } })).toBe('mirror lag: not met — 1200 ms > 1000 ms');
    expect(describeEvent({ ...base, type: 'error_keys', data: { unresolved: 12, new: 10 } })).toBe('10 new error keys (12 unresolved)');
    expect(describeEvent({ ...base, type: 'monitor', data: { metric: 'p99_ms', value: 250, threshold: 100, detail: 'for 30 s' } })).toBe('p99 ms 250 above 100: for 30 s');
    expect(describeEvent({ ...base, type: 'action', data: { action: 'acknowledge', details: { check: 'target-not-empty' } } })).toBe('acknowledge {"check":"target-not-empty"}');
  });
});

describe('currentStep', () => {
  it('puts every state on a runbook step, in runbook order', () => {
    const order = ['draft', 'setup_submitted', 'awaiting_review', 'approved', 'synced', 'accepting', 'completed'] as const;
    const idx = order.map((s) => stepIndex(currentStep(s, null)));
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
    for (const s of RUN_STATES) expect(stepIndex(currentStep(s, null))).toBeGreaterThanOrEqual(0);
    expect(stepIndex(currentStep('closed', null))).toBe(RUNBOOK_STEPS.length - 1);
  });

  it('shows a paused or failed run at the step it stopped in', () => {
    expect(currentStep('paused', 'shifting')).toBe('traffic');
    expect(currentStep('failed', 'preparing')).toBe('prepare');
    expect(currentStep('failed', 'accepting')).toBe('accept');
  });
});
