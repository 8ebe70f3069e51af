/**
 * Prepare and review: the compatibility report (checks, keyspace and workload analysis, test
 * run) through the compat service, its findings, acknowledgements and the approvals.
 *
 * Rules (issue 13): approvers approve, never the user who submitted the setup; approval is
 * refused while a blocking finding is open or a warning is unacknowledged; a finding is not
 * acknowledged by the report's creator (the operator who ran prepare). Approval freezes the
 * setup by its hash. A completion second approver, when the setup asks for one, is another
 * approver than the first.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { AppError, conflict } from '../errors';
import type { FindingView, ReportView } from '../compat/service';
import type { RunOps } from './ops';
import type { RunRow } from './resources';
import { stateOf } from './resources';
import type { ChecksView, RunView } from './schema';
import { runView } from './views';

export class Review {
  constructor(private readonly ops: RunOps) {}

  private get res() {
    return this.ops.res;
  }

  /** Starts the report (setup_submitted or awaiting_review → preparing); the host waits for it. */
  async prepare(actor: Actor, id: string): Promise<RunView> {
    const { row, setup } = await this.ops.withSetup(id);
    const report = await this.res.compat.create(actor, {
      source: setup.source,
      target: setup.target,
      mirror_targets: setup.mirror_targets,
      interlay: setup.interlay,
      conflict_policy: setup.conflict_policy,
      fallback: 'auto',
      big_key_threshold_mb: 8,
      test_run: { sample_keys: 100, ...(setup.key_filters.match?.length === 1 ? { match: setup.key_filters.match[0] } : {}) },
    });
    const updated = await this.ops.transitions.apply(id, 'prepare', actor, { patch: { reportId: report.id }, auditDetails: { report: report.id, previous_report: row.reportId } });
    return runView(updated);
  }

  /** Host: a preparing run whose report finished goes to review (or fails, retryable). */
  async advance(row: RunRow): Promise<void> {
    if (!row.reportId) return this.ops.fail(row.id, 'preparing without a compatibility report; prepare again', true);
    const report = await this.res.compat.get(row.reportId);
    if (report.status === 'running') return;
    if (report.status === 'failed') return this.ops.fail(row.id, `the compatibility report failed: ${report.error ?? 'unknown error'}`, true);
    for (const f of report.findings) {
      await this.ops.events.record(row.id, 'check', 'system', { report_id: report.id, name: f.check, ok: f.severity === 'pass' || f.severity === 'info', detail: `${f.severity}: ${f.title}` });
    }
    await this.ops.events.record(row.id, 'check', 'system', { report_id: report.id, name: 'report', ok: report.summary.approvable, detail: summaryLine(report), summary: report.summary });
    await this.ops.transitions.apply(row.id, 'review_ready', SYSTEM_ACTOR, { reason: summaryLine(report) });
  }

  /** Retry of a failed prepare: the same report runs again in place. */
  async retry(actor: Actor, row: RunRow): Promise<void> {
    if (row.reportId) await this.res.compat.rerun(actor, row.reportId);
  }

  async checks(id: string): Promise<ChecksView> {
    const row = await this.ops.row(id);
    const report = row.reportId ? await this.res.compat.get(row.reportId) : null;
    const blockers = approvalBlockers(report);
    return {
      run_id: id,
      report,
      findings: report?.findings ?? [],
      summary: report?.summary ?? null,
      analysis: report?.analysis ?? null,
      test_run: report?.test_run ?? null,
      approvable: stateOf(row) === 'awaiting_review' && blockers.length === 0,
      blockers,
    };
  }

  async acknowledge(actor: Actor, id: string, check: string, notes: string): Promise<FindingView> {
    const row = await this.ops.row(id);
    if (stateOf(row) !== 'awaiting_review') throw conflict(`Migration ${id} is ${row.state}; findings are acknowledged while it awaits review`);
    if (!row.reportId) throw conflict(`Migration ${id} has no compatibility report; prepare it first`);
    const report = await this.res.compat.get(row.reportId);
    if (report.created_by === actor.username) throw new AppError('FORBIDDEN', 'You ran the checks of this migration; another approver acknowledges its findings');
    const f = await this.res.compat.acknowledge(actor, row.reportId, check, notes);
    await this.ops.events.record(id, 'action', actor.username, { action: 'acknowledge', details: { check, notes } });
    await this.res.audit.record(actor, { action: 'migration.acknowledge', objectType: 'migration', objectId: id, details: { check, report: row.reportId } });
    return f;
  }

  async approve(actor: Actor, id: string, note?: string): Promise<RunView> {
    const row = await this.ops.row(id);
    if (stateOf(row) !== 'awaiting_review') throw conflict(`Migration ${id} is ${row.state}; it can be approved once its checks are ready for review`, { state: row.state });
    if (row.submittedBy === actor.username) throw new AppError('FORBIDDEN', 'You submitted this setup; another approver must approve it');
    const report = row.reportId ? await this.res.compat.get(row.reportId) : null;
    const blockers = approvalBlockers(report);
    if (blockers.length) throw conflict(`Migration ${id} cannot be approved: ${blockers.join('; ')}`, { blockers });
    const updated = await this.ops.transitions.apply(id, 'approve', actor, {
      reason: note,
      patch: { approvedBy: actor.username, approvedAt: new Date(), approvedHash: row.setupHash },
      auditDetails: { setup_hash: row.setupHash, report: row.reportId },
    });
    return runView(updated);
  }

  /** The optional second approval of completion: another approver than the one who approved execution. */
  async approveCompletion(actor: Actor, id: string): Promise<RunView> {
    const { row, setup, state } = await this.ops.withSetup(id);
    if (!setup.completion_second_approver) throw conflict(`Migration ${id} does not ask for a second approval of completion`);
    if (state !== 'accepting') throw conflict(`Migration ${id} is ${state}; completion is approved while it is accepting`, { state });
    if (actor.username === row.approvedBy) throw new AppError('FORBIDDEN', 'You approved the execution; a second approver approves completion');
    if (actor.username === row.submittedBy) throw new AppError('FORBIDDEN', 'You submitted this setup; another approver approves completion');
    const n = await this.res.prisma.migrationRun.updateMany({ where: { id, version: row.version }, data: { completionApprovedBy: actor.username } });
    if (n.count === 0) throw conflict(`Migration ${id} changed at the same time; reload and try again`);
    await this.res.audit.record(actor, { action: 'migration.approve_completion', objectType: 'migration', objectId: id });
    await this.ops.events.record(id, 'action', actor.username, { action: 'approve_completion' });
    this.res.notifier.changed({ kind: 'migration', id });
    return runView(await this.ops.row(id));
  }
}

/** Why a report does not allow approval (empty: it does). */
export function approvalBlockers(report: ReportView | null): string[] {
  if (!report) return ['no compatibility report; prepare first'];
  if (report.status !== 'completed') return [`the compatibility report is ${report.status}`];
  const out: string[] = [];
  for (const f of report.findings) {
    if (f.severity === 'blocking') out.push(`blocking finding "${f.check}" is open: ${f.title}`);
    else if (f.severity === 'warning' && !f.acknowledged) out.push(`warning "${f.check}" is not acknowledged`);
  }
  return out;
}

function summaryLine(r: ReportView): string {
  const s = r.summary;
  return `${s.blocking} blocking, ${s.warning} warning(s) (${s.unacknowledged_warnings} unacknowledged), ${s.info} info, ${s.pass} passed`;
}

