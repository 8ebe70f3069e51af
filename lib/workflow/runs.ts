/** Runs: create (draft), list, read, delete (drafts only), submit or change the setup. */
import type { Actor } from '../auth/roles';
import { conflict } from '../errors';
import type { Prisma } from '../db';
import { Prisma as P } from '../db/generated/client';
import type { RunOps } from './ops';
import { stateOf } from './resources';
import type { MigrationSetup, RunView } from './schema';
import { setupHash, validateSetup } from './setup';
import { SETUP_EDITABLE, type RunState } from './state';
import { runView } from './views';

export class Runs {
  constructor(private readonly ops: RunOps) {}

  private get res() {
    return this.ops.res;
  }

  async create(actor: Actor, input: { name: string; setup?: MigrationSetup }): Promise<RunView> {
    if (input.setup) await validateSetup(this.res, input.setup, 'setup.');
    const row = await this.res.prisma.migrationRun.create({ data: { name: input.name, createdBy: actor.username } });
    await this.res.audit.record(actor, { action: 'migration.create', objectType: 'migration', objectId: row.id, details: { name: input.name } });
    await this.ops.events.record(row.id, 'action', actor.username, { action: 'create', details: { name: input.name } });
    this.res.notifier.changed({ kind: 'migration' });
    if (input.setup) return this.submitSetup(actor, row.id, input.setup);
    return runView(row);
  }

  async list(q: { state?: RunState; limit?: number } = {}): Promise<RunView[]> {
    const rows = await this.res.prisma.migrationRun.findMany({ where: q.state ? { state: q.state } : {}, orderBy: { createdAt: 'desc' }, take: q.limit ?? 100 });
    return rows.map((r) => runView(r));
  }

  async get(id: string): Promise<RunView> {
    const row = await this.ops.row(id);
    const setup = row.setup as MigrationSetup | null;
    // The live stage, when the interlay still exists (it may have been deleted after closing).
    const stage = setup && row.trafficStep !== null ? await this.ops.routing(setup).then((r) => r.stage, () => null) : null;
    return runView(row, stage);
  }

  /**
   * The runs that still count on an endpoint or an interlay (every state but closed and
   * rolled_back: a completed run keeps the source for its rollback window, a failed one may
   * be retried or rolled back). Deleting what they use is refused (endpoints and interlays
   * ask here through registerUsage).
   */
  async using(what: { endpoint: string } | { interlay: string }): Promise<{ type: string; id: string }[]> {
    const rows = await this.res.prisma.migrationRun.findMany({
      where: { state: { notIn: ['closed', 'rolled_back'] }, setup: { not: P.DbNull } },
      select: { id: true, setup: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows
      .filter((r) => {
        const s = r.setup as MigrationSetup;
        if ('interlay' in what) return s.interlay === what.interlay;
        return s.source === what.endpoint || s.target === what.endpoint || (s.mirror_targets ?? []).includes(what.endpoint);
      })
      .map((r) => ({ type: 'migration', id: r.id }));
  }

  async delete(actor: Actor, id: string): Promise<void> {
    const row = await this.ops.row(id);
    const n = await this.res.prisma.migrationRun.deleteMany({ where: { id, state: 'draft', version: row.version } });
    if (n.count === 0) throw conflict(`Migration ${id} is ${row.state}; only a draft can be deleted (close the others)`, { state: row.state });
    await this.res.audit.record(actor, { action: 'migration.delete', objectType: 'migration', objectId: id, details: { name: row.name } });
    this.res.notifier.changed({ kind: 'migration', id });
  }

  /**
   * Submits or changes the setup. Allowed until execution starts; a change after approval
   * (another hash) clears the approval and the report: a new prepare and approval follow.
   */
  async submitSetup(actor: Actor, id: string, setup: MigrationSetup): Promise<RunView> {
    const row = await this.ops.row(id);
    const state = stateOf(row);
    if (!SETUP_EDITABLE.includes(state)) throw conflict(`Migration ${id} is ${state}: its setup is fixed once preparing or executing has begun`, { state });
    await validateSetup(this.res, setup);
    const hash = setupHash(setup);
    const unchanged = hash === row.setupHash;
    // The same settings again change nothing (an approval stays valid).
    if (unchanged && state !== 'draft') return runView(row);
    const updated = await this.ops.transitions.apply(id, 'submit_setup', actor, {
      reason: state === 'approved' && !unchanged ? 'the setup changed after approval: prepare and approve again' : undefined,
      patch: {
        setup: setup as never,
        setupHash: hash,
        submittedBy: actor.username,
        // The approval and the report were for other settings.
        ...(unchanged ? {} : { approvedBy: null, approvedAt: null, approvedHash: null, reportId: null, acceptance: P.DbNull as Prisma.NullableJsonNullValueInput }),
      },
      auditDetails: { setup_hash: hash, changed: !unchanged },
    });
    return runView(updated);
  }
}
