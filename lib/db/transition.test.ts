import { describe, expect, it } from 'vitest';
import { applyTransition, type StateMachine, type TransitionEntry, type TransitionStore, type Versioned } from './transition';

type S = 'draft' | 'live' | 'done';
type E = 'publish' | 'finish' | 'reopen';

/** A machine whose `transition` wrongly allows leaving `done`: the helper must refuse anyway. */
const machine: StateMachine<S, E> = {
  noun: 'Thing',
  transition: (s, e) => (s === 'draft' && e === 'publish' ? 'live' : s === 'live' && e === 'finish' ? 'done' : e === 'reopen' ? 'draft' : undefined),
  isTerminal: (s) => s === 'done',
};

interface Row extends Versioned<S> {
  id: string;
  finishedAt: Date | null;
}

/** An in-memory table with the same compare-and-set contract as the Prisma binding. */
function memoryStore(rows: Row[], opts: { raceOnce?: boolean } = {}) {
  const log: TransitionEntry<S, E>[] = [];
  let race = opts.raceOnce ?? false;
  const find = async (id: string) => {
    const r = rows.find((x) => x.id === id);
    return r ? { ...r } : null;
  };
  const store: TransitionStore<S, E, Row, { finishedAt?: Date }> = {
    find,
    async transaction(fn) {
      const snapshot = rows.map((r) => ({ ...r }));
      const pending: TransitionEntry<S, E>[] = [];
      try {
        const out = await fn({
          find,
          async compareAndSet(id, expected, next) {
            const r = rows.find((x) => x.id === id)!;
            if (race) {
              // Someone else changed the row between the read and this write.
              race = false;
              r.version++;
            }
            if (r.status !== expected.status || r.version !== expected.version) return 0;
            Object.assign(r, { status: next.status, version: next.version }, next.patch);
            return 1;
          },
          async append(entry) {
            pending.push(entry);
          },
        });
        log.push(...pending);
        return out;
      } catch (e) {
        rows.splice(0, rows.length, ...snapshot);
        throw e;
      }
    },
  };
  return { store, log };
}

describe('applyTransition', () => {
  it('sets status, version and the patch, and appends who, why and when', async () => {
    const rows: Row[] = [{ id: 'a', status: 'live', version: 3, finishedAt: null }];
    const { store, log } = memoryStore(rows);
    const r = await applyTransition(machine, store, { id: 'a', event: 'finish', actor: 'ann', reason: 'all copied', patch: (_f, to, at) => (to === 'done' ? { finishedAt: at } : {}) });
    expect(r).toMatchObject({ from: 'live', to: 'done', row: { status: 'done', version: 4 } });
    expect(r.row.finishedAt).toBe(r.at);
    expect(log).toEqual([{ id: 'a', from: 'live', to: 'done', event: 'finish', actor: 'ann', reason: 'all copied', at: r.at }]);
  });

  it('refuses an event the state does not allow, and never leaves a terminal state', async () => {
    const rows: Row[] = [
      { id: 'a', status: 'draft', version: 1, finishedAt: null },
      { id: 'b', status: 'done', version: 1, finishedAt: null },
    ];
    const { store, log } = memoryStore(rows);
    await expect(applyTransition(machine, store, { id: 'a', event: 'finish', actor: 'ann' })).rejects.toMatchObject({ code: 'CONFLICT', message: 'Thing a is draft; it cannot finish' });
    await expect(applyTransition(machine, store, { id: 'b', event: 'reopen', actor: 'ann' })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(applyTransition(machine, store, { id: 'zz', event: 'publish', actor: 'ann' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(rows.map((r) => `${r.status}@${r.version}`)).toEqual(['draft@1', 'done@1']);
    expect(log).toEqual([]);
  });

  it('turns a lost compare-and-set into a conflict and writes no history', async () => {
    const rows: Row[] = [{ id: 'a', status: 'draft', version: 1, finishedAt: null }];
    const { store, log } = memoryStore(rows, { raceOnce: true });
    await expect(applyTransition(machine, store, { id: 'a', event: 'publish', actor: 'ann' })).rejects.toMatchObject({ code: 'CONFLICT', message: 'Thing a changed at the same time; reload and try again' });
    expect(log).toEqual([]);
    // The next attempt reads the new version and wins.
    await applyTransition(machine, store, { id: 'a', event: 'publish', actor: 'ann' });
    expect(rows[0]).toMatchObject({ status: 'live', version: 3 });
    expect(log).toHaveLength(1);
  });
});
