/**
 * The workflow's binding of the generic transition helper (lib/db/transition.ts): the
 * machine of state.ts, the `migration_runs` row and `migration_transitions` table. Each
 * transition also appends its `state` event in the same transaction, and is followed by an
 * audit record (for people), a log line and a `changed` notification.
 *
 * `resume` and `retry` go back to the state a run was paused or failed in (`return_to`):
 * the machine reads it from the row the compare-and-set is about to guard, so a concurrent
 * change of it fails the compare-and-set like any other.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { applyTransition, type StateMachine, type TransitionStore } from '../db/transition';
import { Prisma } from '../db/generated/client';
import type { MigrationEvent, TransitionView } from './schema';
import { runRow, type RunRow, type WorkflowResources } from './resources';
import { isTerminal, nextReturnTo, transition, type RunEvent, type RunState } from './state';
import type { RunEvents } from './events';

export type RunPatch = Prisma.MigrationRunUpdateManyMutationInput;

export class RunTransitions {
  constructor(
    private readonly res: WorkflowResources,
    private readonly events: RunEvents,
  ) {}

  /**
   * Applies one event: compare-and-set on (state, version), a transition row and a `state`
   * event in one transaction. A disallowed event or a lost race is a 409.
   */
  async apply(id: string, event: RunEvent, actor: Actor, opts: { reason?: string; patch?: RunPatch; auditDetails?: Record<string, unknown> } = {}): Promise<RunRow> {
    let seen: RunRow | null = null;
    let published: MigrationEvent | undefined;
    const prisma = this.res.prisma;
    const machine: StateMachine<RunState, RunEvent> = {
      noun: 'Migration',
      isTerminal,
      transition: (s, e) => transition(s, e, (seen?.returnTo as RunState | null) ?? null),
    };
    const store: TransitionStore<RunState, RunEvent, RunRow & { status: RunState }, RunPatch> = {
      find: async (rid) => {
        seen = await prisma.migrationRun.findUnique({ where: { id: rid } });
        return seen && { ...seen, status: seen.state as RunState };
      },
      transaction: (fn) =>
        prisma.$transaction((tx) =>
          fn({
            find: async (rid) => {
              const r = await tx.migrationRun.findUnique({ where: { id: rid } });
              return r && { ...r, status: r.state as RunState };
            },
            compareAndSet: async (rid, expected, next) =>
              (await tx.migrationRun.updateMany({ where: { id: rid, state: expected.status, version: expected.version }, data: { state: next.status, version: next.version, ...next.patch } })).count,
            append: async (e) => {
              await tx.migrationTransition.create({ data: { runId: e.id, fromState: e.from, toState: e.to, event: e.event, actor: e.actor, reason: e.reason, at: e.at } });
              published = await this.events.append(tx, e.id, 'state', e.actor, { from: e.from, to: e.to, event: e.event, reason: e.reason });
            },
          }),
        ),
    };
    const { row, from, to } = await applyTransition(machine, store, {
      id,
      event,
      actor: actor.username,
      reason: opts.reason,
      patch: (f, t) => ({ returnTo: nextReturnTo(f, t, (seen?.returnTo as RunState | null) ?? null), ...(t === 'failed' ? {} : { failure: Prisma.DbNull }), ...opts.patch }),
    });
    if (published) this.events.publish(published);
    if (actor !== SYSTEM_ACTOR) {
      await this.res.audit.record(actor, { action: `migration.${event}`, objectType: 'migration', objectId: id, details: { from, to, ...(opts.reason ? { reason: opts.reason } : {}), ...opts.auditDetails } });
    }
    this.res.log.info({ run: id, from, to, event, actor: actor.username }, 'migration state changed');
    this.res.notifier.changed({ kind: 'migration', id });
    const { status: _s, ...plain } = row;
    return plain as RunRow;
  }

  async list(id: string): Promise<TransitionView[]> {
    await runRow(this.res.prisma, id);
    const rows = await this.res.prisma.migrationTransition.findMany({ where: { runId: id }, orderBy: { id: 'asc' } });
    return rows.map((r) => ({ id: r.id.toString(), from: r.fromState as RunState, to: r.toState as RunState, event: r.event as RunEvent, actor: r.actor, reason: r.reason, at: r.at.toISOString() }));
  }
}
