/**
 * Copy jobs' binding of the generic transition helper (lib/db/transition.ts): the
 * state machine of state.ts, the `copy_jobs` row and the `copy_job_transitions` table,
 * the columns a transition sets, and what follows every change (audit for people, a log
 * line, a `changed` event).
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { applyTransition, prismaTransitionStore, type StateMachine } from '../db/transition';
import type { CopyJobResources, JobRow } from './resources';
import { jobRow } from './resources';
import { isTerminal, transition, type CopyJobEvent, type CopyJobState } from './state';

const MACHINE: StateMachine<CopyJobState, CopyJobEvent> = { noun: 'Copy job', transition, isTerminal };

/** The columns a transition sets besides status and version. */
export interface JobPatch {
  finishedAt?: Date | null;
  error?: string | null;
  /** The console process running the job (host.ts): set when a run starts, cleared when it ends. */
  runToken?: string | null;
}

/** Events that end a run: the job's finished_at is their time. */
const ENDS_RUN: ReadonlySet<CopyJobEvent> = new Set(['complete', 'complete_with_errors', 'fail', 'cancel']);

export interface TransitionItem {
  id: string;
  from: CopyJobState;
  to: CopyJobState;
  event: string;
  actor: string;
  reason: string | null;
  at: string;
}

export class JobTransitions {
  private readonly store;

  constructor(private readonly res: CopyJobResources) {
    this.store = prismaTransitionStore<CopyJobState, CopyJobEvent, JobRow, JobPatch>(res.prisma, {
      find: (db, id) => db.copyJob.findUnique({ where: { id } }),
      compareAndSet: async (db, id, expected, next) =>
        (await db.copyJob.updateMany({ where: { id, status: expected.status, version: expected.version }, data: { status: next.status, version: next.version, ...next.patch } })).count,
      append: async (db, e) => {
        await db.copyJobTransition.create({ data: { jobId: e.id, fromState: e.from, toState: e.to, event: e.event, actor: e.actor, reason: e.reason, at: e.at } });
      },
    });
  }

  /**
   * Applies one state-machine event: compare-and-set on (status, version) plus a transition
   * row, in one transaction. A lost race or a disallowed event is a 409.
   */
  async apply(id: string, event: CopyJobEvent, actor: Actor, reason?: string, extra: JobPatch = {}): Promise<JobRow> {
    const { row, from, to } = await applyTransition(MACHINE, this.store, {
      id,
      event,
      actor: actor.username,
      reason,
      patch: (_from, _to, at) => ({
        ...(event === 'resume' ? { finishedAt: null, error: null } : {}),
        ...(ENDS_RUN.has(event) ? { finishedAt: at } : {}),
        ...(event === 'fail' ? { error: reason ?? 'the copy failed' } : {}),
        ...extra,
      }),
    });
    if (actor !== SYSTEM_ACTOR) {
      await this.res.audit.record(actor, { action: `copy_job.${event}`, objectType: 'copy_job', objectId: id, details: { from, to } });
    }
    this.res.log.info({ job: id, from, to, event, actor: actor.username }, 'copy job status changed');
    this.res.notifier.changed({ kind: 'copy-job', id });
    return row;
  }

  async list(id: string): Promise<TransitionItem[]> {
    await jobRow(this.res.prisma, id);
    const rows = await this.res.prisma.copyJobTransition.findMany({ where: { jobId: id }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ id: r.id.toString(), from: r.fromState, to: r.toState, event: r.event, actor: r.actor, reason: r.reason, at: r.at.toISOString() }));
  }
}
