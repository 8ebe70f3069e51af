/**
 * Applying a state-machine event to a stored object (STYLE.md point 3): a compare-and-set
 * on (status, version) plus an appended transition row (who, why, when), in one
 * transaction. A disallowed event and a lost race are both a conflict (409); a terminal
 * state is never left, whatever the machine's `transition` says.
 *
 * Generic over the states, the events, the row and the extra columns a transition sets, so
 * every workflow (copy jobs today, the migration workflow next) binds its own Prisma model
 * and transition table with `prismaTransitionStore` instead of copying the logic.
 */
import { conflict, notFound } from '../errors';
import type { Prisma, PrismaClient } from './generated/client';

export interface StateMachine<S extends string, E extends string> {
  /** What the objects are called in messages, e.g. "Copy job". */
  readonly noun: string;
  /** The state after `event`, or undefined when `state` does not allow it. */
  transition(state: S, event: E): S | undefined;
  isTerminal(state: S): boolean;
}

/** The guarded pair: a row changes only while both still hold what was read. */
export interface Versioned<S extends string> {
  status: S;
  version: number;
}

export interface TransitionEntry<S extends string, E extends string> {
  id: string;
  from: S;
  to: S;
  event: E;
  actor: string;
  reason: string | null;
  at: Date;
}

/** What one transaction may do to the model and its transition table. */
export interface TransitionTx<S extends string, E extends string, Row extends Versioned<S>, Patch> {
  find(id: string): Promise<Row | null>;
  /** Sets status, version and `patch` where (id, expected.status, expected.version) still match; the rows changed (0 or 1). */
  compareAndSet(id: string, expected: Versioned<S>, next: Versioned<S> & { patch: Patch | undefined; at: Date }): Promise<number>;
  append(entry: TransitionEntry<S, E>): Promise<void>;
}

export interface TransitionStore<S extends string, E extends string, Row extends Versioned<S>, Patch> {
  /** The row as it is now (read outside the transaction: the compare-and-set decides). */
  find(id: string): Promise<Row | null>;
  transaction<T>(fn: (tx: TransitionTx<S, E, Row, Patch>) => Promise<T>): Promise<T>;
}

export interface TransitionRequest<S extends string, E extends string, Patch> {
  id: string;
  event: E;
  /** Who asked (a username, or "system" for the host's own events). */
  actor: string;
  /** Why, in words a person reading the history understands. */
  reason?: string | null;
  /** Extra columns the transition sets (finished_at, error...), from the two states and the transition's time. */
  patch?: (from: S, to: S, at: Date) => Patch;
}

export interface Applied<S extends string, Row> {
  row: Row;
  from: S;
  to: S;
  at: Date;
}

export async function applyTransition<S extends string, E extends string, Row extends Versioned<S>, Patch>(
  machine: StateMachine<S, E>,
  store: TransitionStore<S, E, Row, Patch>,
  req: TransitionRequest<S, E, Patch>,
): Promise<Applied<S, Row>> {
  const row = await store.find(req.id);
  if (!row) throw notFound(machine.noun, req.id);
  const from = row.status;
  const to = machine.isTerminal(from) ? undefined : machine.transition(from, req.event);
  if (to === undefined) throw conflict(`${machine.noun} ${req.id} is ${from}; it cannot ${req.event}`, { status: from });
  const at = new Date();
  const updated = await store.transaction(async (tx) => {
    const n = await tx.compareAndSet(req.id, { status: from, version: row.version }, { status: to, version: row.version + 1, patch: req.patch?.(from, to, at), at });
    if (n === 0) return null;
    await tx.append({ id: req.id, from, to, event: req.event, actor: req.actor, reason: req.reason ?? null, at });
    return tx.find(req.id);
  });
  if (!updated) throw conflict(`${machine.noun} ${req.id} changed at the same time; reload and try again`, { status: from });
  return { row: updated, from, to, at };
}

/** A Prisma client or the client of an interactive transaction. */
export type PrismaDb = Prisma.TransactionClient;

/** How one Prisma model and its transition table take part in `applyTransition`. */
export interface PrismaTransitionModel<S extends string, E extends string, Row extends Versioned<S>, Patch> {
  find(db: PrismaDb, id: string): Promise<Row | null>;
  compareAndSet(db: PrismaDb, id: string, expected: Versioned<S>, next: Versioned<S> & { patch: Patch | undefined; at: Date }): Promise<number>;
  append(db: PrismaDb, entry: TransitionEntry<S, E>): Promise<void>;
}

export function prismaTransitionStore<S extends string, E extends string, Row extends Versioned<S>, Patch>(
  prisma: PrismaClient,
  model: PrismaTransitionModel<S, E, Row, Patch>,
): TransitionStore<S, E, Row, Patch> {
  return {
    find: (id) => model.find(prisma, id),
    transaction: (fn) =>
      prisma.$transaction((tx) =>
        fn({
          find: (id) => model.find(tx, id),
          compareAndSet: (id, expected, next) => model.compareAndSet(tx, id, expected, next),
          append: (entry) => model.append(tx, entry),
        }),
      ),
  };
}
