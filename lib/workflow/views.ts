/** What the API answers about runs, built from database rows. */
import type { Stage } from '../migration/stages';
import type { RunRow } from './resources';
import { planSteps } from './plan';
import type { AcceptanceView, FailureView, MigrationSetup, RollbackOutcome, RunView } from './schema';
import { allowedEvents, hasMovedData, phaseOf, type RunState } from './state';

export function runView(row: RunRow, stage: Stage | null = null): RunView {
  const state = row.state as RunState;
  const returnTo = (row.returnTo as RunState | null) ?? null;
  const setup = (row.setup as MigrationSetup | null) ?? null;
  const steps = setup ? planSteps(setup) : [];
  const failure = (row.failure as FailureView | null) ?? null;
  return {
    id: row.id,
    name: row.name,
    state,
    return_to: returnTo,
    phase: phaseOf(state, returnTo),
    version: row.version,
    // The machine's events, less those the service refuses on data: a final failure, a cancel after data moved.
    allowed_events: allowedEvents(state, returnTo).filter((e) => !(e === 'retry' && failure && !failure.retryable) && !(e === 'cancel' && hasMovedData(state, returnTo))),
    setup,
    setup_hash: row.setupHash,
    submitted_by: row.submittedBy,
    approved_by: row.approvedBy,
    approved_at: row.approvedAt?.toISOString() ?? null,
    completion_approved_by: row.completionApprovedBy,
    report_id: row.reportId,
    copy_job_id: row.copyJobId,
    traffic: { steps, current_step: row.trafficStep, stage: stage ?? (row.trafficStep !== null ? (steps[row.trafficStep]?.stage ?? null) : null) },
    acceptance: (row.acceptance as AcceptanceView | null) ?? null,
    failure,
    rollback: (row.rollback as RollbackOutcome | null) ?? null,
    rollback_window_ends_at: row.windowEndsAt?.toISOString() ?? null,
    created_by: row.createdBy,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
