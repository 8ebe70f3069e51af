/**
 * The host: drives every run with work in progress, once a tick (default 500 ms), and is
 * what makes a run restart-safe. Nothing about a run's progress lives only in memory: at
 * start the host simply finds the runs in a working state in the database and goes on —
 * a preparing run waits for its report again, an executing run re-attaches to its copy job
 * (which the copy jobs service resumed from its checkpoint) and re-checks the mirror, a
 * completed run's rollback window is re-armed from `window_ends_at`, a rollback continues
 * at the stage the interlay is in.
 *
 * One step per run at a time; a step that throws is logged (once per distinct message) and
 * tried again at the next tick.
 */
import { SYSTEM_ACTOR } from '../auth/roles';
import { isAppError } from '../errors';
import type { Acceptance } from './acceptance';
import type { Execution } from './execution';
import { evaluate, SampleRing, sampleOf } from './monitor';
import type { RunOps } from './ops';
import { servesTarget } from './plan';
import type { RunRow } from './resources';
import type { Review } from './review';
import type { Rollback } from './rollback';
import type { MigrationSetup } from './schema';
import { stateOf } from './resources';
import type { Stage } from '../migration/stages';
import type { RunState } from './state';

/** States the host has work in (or watches, for the monitor). */
const HOSTED: RunState[] = ['preparing', 'executing', 'synced', 'shifting', 'accepting', 'completed', 'rolling_back', 'rolled_back'];

export interface HostParts {
  review: Review;
  execution: Execution;
  acceptance: Acceptance;
  rollback: Rollback;
}

export class WorkflowHost {
  private timer?: NodeJS.Timeout;
  private readonly busy = new Map<string, Promise<void>>();
  private readonly lastError = new Map<string, string>();
  private readonly samples = new SampleRing();
  private ticking?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly ops: RunOps,
    private readonly parts: HostParts,
    private readonly tickMs: number,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const runs = await this.ops.res.prisma.migrationRun.findMany({ where: { state: { in: HOSTED } }, select: { id: true, state: true } });
    for (const r of runs) this.ops.res.log.info({ run: r.id, state: r.state }, 'migration resumed after start');
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.busy.values()]);
  }

  /** Runs one step for a run now (after an API action), unless one is in progress. */
  kick(id: string): void {
    if (this.stopped || this.busy.has(id)) return;
    void this.ops.row(id).then((r) => this.step(r), () => undefined);
  }

  /** Resolves when no step of this run is in progress (tests). */
  async idle(id: string): Promise<void> {
    await this.busy.get(id);
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        const rows = await this.ops.res.prisma.migrationRun.findMany({ where: { state: { in: HOSTED } } });
        await Promise.all(rows.map((r) => this.step(r)));
      } catch (err) {
        if (!this.stopped) this.ops.res.log.error({ err }, 'migration host tick failed');
      } finally {
        this.ticking = undefined;
      }
    })();
    return this.ticking;
  }

  private step(row: RunRow): Promise<void> {
    const running = this.busy.get(row.id);
    if (running || this.stopped) return running ?? Promise.resolve();
    const p = this.advance(row)
      .then(() => void this.lastError.delete(row.id))
      .catch((err) => {
        const msg = (err as Error).message;
        // A lost race is the other writer's win; the next tick reads the new state.
        if (isAppError(err) && err.code === 'CONFLICT' && /changed at the same time|cannot/.test(msg)) return;
        if (this.lastError.get(row.id) !== msg) this.ops.res.log.warn({ err, run: row.id, state: row.state }, 'migration step failed; trying again');
        this.lastError.set(row.id, msg);
      })
      .finally(() => this.busy.delete(row.id));
    this.busy.set(row.id, p);
    return p;
  }

  private async advance(row: RunRow): Promise<void> {
    switch (stateOf(row)) {
      case 'preparing':
        return this.parts.review.advance(row);
      case 'executing':
        return this.parts.execution.advance(row);
      case 'synced':
      case 'shifting':
      case 'accepting':
        await this.parts.acceptance.advance(row);
        return this.watch(row);
      case 'completed':
        await this.watch(row);
        return this.parts.acceptance.advance(await this.ops.row(row.id));
      case 'rolled_back':
        return this.parts.acceptance.advance(row);
      case 'rolling_back':
        this.samples.clear(row.id);
        return this.parts.rollback.advance(row);
      default:
        return;
    }
  }

  /** The auto-rollback monitor's sample and verdict (monitor.ts). */
  private async watch(row: RunRow): Promise<void> {
    const setup = row.setup as MigrationSetup;
    const t = setup.auto_rollback;
    if (!t) return;
    let m;
    try {
      m = await this.ops.res.interlays.metrics(setup.interlay);
    } catch {
      return;
    }
    const stage = m.routing.stage as Stage;
    if (!servesTarget(stage) && !(t.divergence_growth && stage === 'shadow')) return this.samples.clear(row.id);
    const samples = this.samples.add(row.id, sampleOf(m), t.window_s * 1000);
    const breach = evaluate(samples, t, Date.now());
    if (!breach) return;
    this.samples.clear(row.id);
    await this.ops.events.record(row.id, 'monitor', 'system', breach);
    await this.parts.rollback.start(SYSTEM_ACTOR, row.id, `automatic rollback: ${breach.detail}`, true);
  }
}
