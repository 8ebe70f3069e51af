/**
 * Acceptance and completion. Before completion: a verification pass (0 differences, or at
 * most the setup's `max_differences`), mirror lag under `max_mirror_lag_ms`, error keys
 * resolved or explicitly accepted, then an operator's confirmation (→ accepting). Complete
 * (→ completed) sets the completion stage and opens the rollback window: the source is
 * still written (target_primary mirrors back) until the window ends, when the host moves
 * the interlay to its closing stage and closes the run.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { conflict } from '../errors';
import type { Execution } from './execution';
import type { RunOps } from './ops';
import { closingStage, completionStage, mirrorsLive } from './plan';
import { stateOf, type RunRow } from './resources';
import { rollbackWindowMs, type AcceptanceAction, type AcceptanceView, type MigrationSetup, type RunView } from './schema';
import { readComparison, startComparison, type Comparison } from './compare';
import { runView } from './views';

/** What a run stores in `acceptance` besides the last evaluation. */
interface StoredAcceptance {
  comparison: Comparison | null;
  error_keys_accepted: AcceptanceView['error_keys_accepted'];
  confirmed_by: string | null;
  confirmed_at: string | null;
}

export class Acceptance {
  constructor(
    private readonly ops: RunOps,
    private readonly execution: Execution,
  ) {}

  private get res() {
    return this.ops.res;
  }

  /** The criteria evaluated now. */
  async get(id: string): Promise<AcceptanceView> {
    const { row, setup } = await this.ops.withSetup(id);
    return this.evaluate(row, setup);
  }

  async act(actor: Actor, id: string, input: AcceptanceAction): Promise<AcceptanceView> {
    const { row, setup, state } = await this.ops.withSetup(id);
    if (state !== 'synced' && state !== 'shifting' && state !== 'accepting') throw conflict(`Migration ${id} is ${state}; acceptance is checked once the target is in sync`, { state });
    const stored = storedOf(row);
    if (input.action === 'verify') {
      const c = await startComparison(this.res, row, setup, setup.acceptance.verify_mode, setup.acceptance.ttl_tolerance_ms, actor);
      await this.save(id, { ...stored, comparison: c });
      await this.ops.events.record(id, 'action', actor.username, { action: 'acceptance_verify', details: { verification: c.verification_id, mode: setup.acceptance.verify_mode } });
      await this.res.audit.record(actor, { action: 'migration.acceptance_verify', objectType: 'migration', objectId: id, details: { verification: c.verification_id } });
      return this.evaluate(await this.ops.row(id), setup);
    }
    if (state === 'accepting') throw conflict(`Migration ${id} was already confirmed by ${stored.confirmed_by}; complete it, or move traffic to reopen acceptance`);
    const next: StoredAcceptance = input.accept_error_keys ? { ...stored, error_keys_accepted: { by: actor.username, at: new Date().toISOString(), note: input.note! } } : stored;
    const view = await this.evaluate(row, setup, next);
    if (!view.met) {
      await this.save(id, next);
      throw conflict(`Acceptance is not met: ${view.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`, { checks: view.checks });
    }
    const at = new Date().toISOString();
    const confirmed: StoredAcceptance = { ...next, confirmed_by: actor.username, confirmed_at: at };
    await this.ops.transitions.apply(id, 'begin_acceptance', actor, {
      reason: input.note,
      patch: { acceptance: { ...confirmed, ...view, confirmed_by: actor.username, confirmed_at: at } as never },
      auditDetails: { checks: view.checks },
    });
    return { ...view, confirmed_by: actor.username, confirmed_at: at };
  }

  async complete(actor: Actor, id: string, note?: string): Promise<RunView> {
    const { row, setup, state } = await this.ops.withSetup(id);
    if (state !== 'accepting') throw conflict(`Migration ${id} is ${state}; it completes after acceptance is confirmed`, { state });
    if (setup.completion_second_approver && !row.completionApprovedBy) throw conflict(`Migration ${id} needs a second approver's approval of completion first`);
    const stored = storedOf(row);
    const trusted = `completion accepted by ${stored.confirmed_by ?? actor.username} (verification ${stored.comparison?.verification_id ?? 'direct'})`;
    await this.ops.route(id, setup, { stage: completionStage(setup), step: null, trusted }, actor, 'completion');
    const ends = new Date(Date.now() + rollbackWindowMs(setup.rollback_window));
    const updated = await this.ops.transitions.apply(id, 'complete', actor, { reason: note ?? `the rollback window is open until ${ends.toISOString()}`, patch: { windowEndsAt: ends } });
    return runView(updated);
  }

  /** Host: while accepting or shifting, follow a running verification; when completed or rolled back, close at the window's end. */
  async advance(row: RunRow): Promise<void> {
    const setup = row.setup as MigrationSetup;
    const state = stateOf(row);
    const stored = storedOf(row);
    if (stored.comparison?.status === 'running') {
      const c = await readComparison(this.res, row, setup, stored.comparison, setup.acceptance.ttl_tolerance_ms);
      if (c.status !== 'running') {
        await this.save(row.id, { ...stored, comparison: c });
        const ok = c.status === 'completed' && c.differences <= setup.acceptance.max_differences;
        await this.ops.events.record(row.id, 'check', 'system', { name: 'verification', ok, detail: c.status === 'completed' ? `${c.differences} difference(s) in ${c.checked} keys` : `verification failed: ${c.error ?? ''}` });
      }
    }
    if ((state === 'completed' || state === 'rolled_back') && row.windowEndsAt && row.windowEndsAt.getTime() <= Date.now()) {
      await this.close(row, SYSTEM_ACTOR, 'the rollback window ended');
    }
  }

  /**
   * An operator closes the run before its window ends: after a completion this gives up the
   * rollback (the source is retired now); after a rollback it only files the run away.
   * Either way the run stops counting on its endpoints and interlay.
   */
  async closeNow(actor: Actor, id: string, reason: string): Promise<RunView> {
    const row = await this.ops.row(id);
    const state = stateOf(row);
    if (state !== 'completed' && state !== 'rolled_back') throw conflict(`Migration ${id} is ${state}; only a completed or rolled-back run can be closed`, { state });
    const why = state === 'completed' ? `the rollback window was ended early: ${reason}` : reason;
    return runView(await this.close(row, actor, why));
  }

  /** completed → the closing stage (the source no longer written) → closed; rolled_back → closed. */
  private async close(row: RunRow, actor: Actor, reason: string): Promise<RunRow> {
    if (stateOf(row) === 'completed') {
      const setup = row.setup as MigrationSetup;
      await this.ops.route(row.id, setup, { stage: closingStage(setup), step: null, trusted: `${reason}: the source is retired` }, actor, reason);
    }
    return this.ops.transitions.apply(row.id, 'close', actor, { reason });
  }

  private async evaluate(row: RunRow, setup: MigrationSetup, stored: StoredAcceptance = storedOf(row)): Promise<AcceptanceView> {
    const crit = setup.acceptance;
    const c = stored.comparison ? await readComparison(this.res, row, setup, stored.comparison, crit.ttl_tolerance_ms) : null;
    const checks: AcceptanceView['checks'] = [];
    if (!c) checks.push({ name: 'verification', ok: false, detail: 'no verification yet: start one' });
    else if (c.status === 'running') checks.push({ name: 'verification', ok: false, detail: 'the verification is running' });
    else if (c.status === 'failed') checks.push({ name: 'verification', ok: false, detail: `the verification failed: ${c.error ?? 'unknown error'}` });
    else checks.push({ name: 'verification', ok: c.differences <= crit.max_differences, detail: `${c.differences} difference(s) in ${c.checked} keys (at most ${crit.max_differences})` });
    let lag: number | null = null;
    if (mirrorsLive(setup)) {
      const m = await this.execution.mirror(setup);
      lag = m.lag_ms;
      checks.push({ name: 'mirror_lag', ok: m.running && m.lag_ms <= crit.max_mirror_lag_ms, detail: m.running ? `mirror lag ${m.lag_ms} ms (at most ${crit.max_mirror_lag_ms})` : 'the interlay is not running' });
    } else {
      checks.push({ name: 'mirror_lag', ok: true, detail: 'no live mirroring (bulk_only)' });
    }
    const unresolved = row.copyJobId ? (await this.res.copyJobs.get(row.copyJobId)).error_key_counts.unresolved : 0;
    const keysOk = unresolved === 0 || stored.error_keys_accepted !== null;
    checks.push({ name: 'error_keys', ok: keysOk, detail: unresolved === 0 ? 'no unresolved error keys' : stored.error_keys_accepted ? `${unresolved} unresolved error key(s) accepted by ${stored.error_keys_accepted.by}` : `${unresolved} unresolved error key(s): resolve, retry or accept them` });
    return {
      verification_id: c?.verification_id ?? null,
      verification_status: c?.status ?? null,
      differences: c && c.status === 'completed' ? c.differences : null,
      mirror_lag_ms: lag,
      error_keys_unresolved: unresolved,
      error_keys_accepted: stored.error_keys_accepted,
      checks,
      met: checks.every((x) => x.ok),
      confirmed_by: stored.confirmed_by,
      confirmed_at: stored.confirmed_at,
    };
  }

  private async save(id: string, stored: StoredAcceptance): Promise<void> {
    const row = await this.ops.row(id);
    await this.res.prisma.migrationRun.update({ where: { id }, data: { acceptance: { ...((row.acceptance as object | null) ?? {}), ...stored } as never } });
  }
}

function storedOf(row: RunRow): StoredAcceptance {
  const a = (row.acceptance as Partial<StoredAcceptance> | null) ?? {};
  return { comparison: a.comparison ?? null, error_keys_accepted: a.error_keys_accepted ?? null, confirmed_by: a.confirmed_by ?? null, confirmed_at: a.confirmed_at ?? null };
}

