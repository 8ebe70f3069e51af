/**
 * A run's events: persisted in `migration_events` with a per-run sequence number taken from
 * `migration_runs.event_seq` in the same transaction (a row lock orders concurrent writers,
 * so a run's sequence has no gaps), then published to the run's Socket.IO room and to the
 * in-process subscribers (the SSE streams).
 *
 * Subscribers are only woken up: they read from the table after their last sequence, so a
 * publish that overtakes another (two commits finishing out of order) never loses or
 * reorders an event for them.
 */
import { EventEmitter } from 'node:events';
import type { PrismaDb } from '../db/transition';
import { migrationRoom, type MigrationEvent, type MigrationEventData, type MigrationEventType } from './schema';
import { runRow, type WorkflowResources } from './resources';

type EventRow = { runId: string; seq: number; type: string; actor: string; data: unknown; at: Date };

export function eventView(r: EventRow): MigrationEvent {
  return { run_id: r.runId, seq: r.seq, type: r.type, at: r.at.toISOString(), actor: r.actor, data: r.data } as MigrationEvent;
}

export class RunEvents {
  private readonly bus = new EventEmitter();

  constructor(private readonly res: WorkflowResources) {
    // One listener per open SSE stream; many may watch one run.
    this.bus.setMaxListeners(0);
  }

  /** Appends an event inside a caller's transaction; call `publish` with the result after it commits. */
  async append<T extends MigrationEventType>(db: PrismaDb, runId: string, type: T, actor: string, data: MigrationEventData[T]): Promise<MigrationEvent> {
    const { eventSeq } = await db.migrationRun.update({ where: { id: runId }, data: { eventSeq: { increment: 1 } }, select: { eventSeq: true } });
    const row = await db.migrationEvent.create({ data: { runId, seq: eventSeq, type, actor, data: data as never } });
    return eventView(row);
  }

  /** Appends an event in its own transaction and publishes it. */
  async record<T extends MigrationEventType>(runId: string, type: T, actor: string, data: MigrationEventData[T]): Promise<MigrationEvent> {
    const e = await this.res.prisma.$transaction((tx) => this.append(tx, runId, type, actor, data));
    this.publish(e);
    return e;
  }

  publish(e: MigrationEvent): void {
    this.res.notifier.toRoom(migrationRoom(e.run_id), 'migration:event', e);
    this.bus.emit(e.run_id, e.seq);
  }

  async list(runId: string, after: number, limit: number): Promise<{ events: MigrationEvent[]; last_seq: number }> {
    const run = await runRow(this.res.prisma, runId);
    const rows = await this.res.prisma.migrationEvent.findMany({ where: { runId, seq: { gt: after } }, orderBy: { seq: 'asc' }, take: limit });
    return { events: rows.map(eventView), last_seq: run.eventSeq };
  }

  /** Calls `wake` whenever the run has a new event; returns the unsubscribe function. */
  subscribe(runId: string, wake: () => void): () => void {
    this.bus.on(runId, wake);
    return () => this.bus.off(runId, wake);
  }
}
