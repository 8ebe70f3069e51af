/**
 * The guided migration workflow as a service: a facade over its parts, one concern each,
 * so routes call one object (the README has the state diagram):
 * - runs.ts        create, list, read, delete drafts, submit / change the setup
 * - review.ts      prepare (compat report), checks, acknowledge, approve, approve completion
 * - execution.ts   data movement per mode until synced; pause / resume
 * - traffic.ts     the plan's steps (plan.ts) through the interlay's routing
 * - acceptance.ts  verification, lag, error keys, confirmation, completion, the window
 * - rollback.ts    back to the source stage by stage, drained, compared
 * - metrics.ts     live figures and error keys
 * - host.ts        drives runs with work in progress, restart-safe; monitor.ts auto-rollback
 * - transitions.ts / events.ts   the state machine applied, and the run's event log
 */
import type { Actor } from '../auth/roles';
import { conflict } from '../errors';
import type { ExportFormat } from '../copy-jobs/export';
import type { FindingView } from '../compat/service';
import { Acceptance } from './acceptance';
import { Execution } from './execution';
import { WorkflowHost } from './host';
import { Metrics } from './metrics';
import { RunOps } from './ops';
import { stateOf, type WorkflowDeps } from './resources';
import { Review } from './review';
import { Rollback } from './rollback';
import { Runs } from './runs';
import type { AcceptanceAction, AcceptanceView, ChecksView, FailureView, MetricsView, MigrationEvent, MigrationSetup, RunView, TrafficInput, TransitionView } from './schema';
import { hasMovedData, type RunState } from './state';
import { Traffic } from './traffic';
import { runView } from './views';

export type { WorkflowDeps } from './resources';

export class MigrationService {
  private readonly ops: RunOps;
  private readonly runs: Runs;
  private readonly review: Review;
  private readonly execution: Execution;
  private readonly traffic: Traffic;
  private readonly acceptance: Acceptance;
  private readonly rollbacks: Rollback;
  private readonly metricsPart: Metrics;
  private readonly host: WorkflowHost;

  constructor(deps: WorkflowDeps) {
    const { tickMs, drainTimeoutMs, ...rest } = deps;
    this.ops = new RunOps({ ...rest, drainTimeoutMs: drainTimeoutMs ?? 30_000 });
    this.runs = new Runs(this.ops);
    // A run counts on its endpoints and its interlay until it is closed or rolled back.
    deps.endpoints.registerUsage((endpoint) => this.runs.using({ endpoint }));
    deps.interlays.registerUsage((interlay) => this.runs.using({ interlay }));
    this.review = new Review(this.ops);
    this.execution = new Execution(this.ops);
    this.traffic = new Traffic(this.ops);
    this.acceptance = new Acceptance(this.ops, this.execution);
    this.rollbacks = new Rollback(this.ops, this.execution);
    this.metricsPart = new Metrics(this.ops);
    this.host = new WorkflowHost(this.ops, { review: this.review, execution: this.execution, acceptance: this.acceptance, rollback: this.rollbacks }, tickMs ?? 500);
  }

  // ---- runs and setup ----

  create(actor: Actor, input: { name: string; setup?: MigrationSetup }): Promise<RunView> {
    return this.runs.create(actor, input);
  }

  list(q: { state?: RunState; limit?: number } = {}): Promise<RunView[]> {
    return this.runs.list(q);
  }

  get(id: string): Promise<RunView> {
    return this.runs.get(id);
  }

  delete(actor: Actor, id: string): Promise<void> {
    return this.runs.delete(actor, id);
  }

  submitSetup(actor: Actor, id: string, setup: MigrationSetup): Promise<RunView> {
    return this.runs.submitSetup(actor, id, setup);
  }

  // ---- prepare and review ----

  async prepare(actor: Actor, id: string): Promise<RunView> {
    return this.kicked(id, await this.review.prepare(actor, id));
  }

  checks(id: string): Promise<ChecksView> {
    return this.review.checks(id);
  }

  acknowledge(actor: Actor, id: string, check: string, notes: string): Promise<FindingView> {
    return this.review.acknowledge(actor, id, check, notes);
  }

  approve(actor: Actor, id: string, note?: string): Promise<RunView> {
    return this.review.approve(actor, id, note);
  }

  approveCompletion(actor: Actor, id: string): Promise<RunView> {
    return this.review.approveCompletion(actor, id);
  }

  // ---- execution and traffic ----

  async execute(actor: Actor, id: string): Promise<RunView> {
    return this.kicked(id, await this.execution.execute(actor, id));
  }

  pause(actor: Actor, id: string, reason?: string): Promise<RunView> {
    return this.execution.pause(actor, id, reason);
  }

  async resume(actor: Actor, id: string): Promise<RunView> {
    return this.kicked(id, await this.execution.resume(actor, id));
  }

  moveTraffic(actor: Actor, id: string, input: TrafficInput): Promise<RunView> {
    return this.traffic.move(actor, id, input);
  }

  // ---- acceptance, completion, rollback ----

  getAcceptance(id: string): Promise<AcceptanceView> {
    return this.acceptance.get(id);
  }

  async acceptanceAction(actor: Actor, id: string, input: AcceptanceAction): Promise<AcceptanceView> {
    const v = await this.acceptance.act(actor, id, input);
    this.host.kick(id);
    return v;
  }

  complete(actor: Actor, id: string, note?: string): Promise<RunView> {
    return this.acceptance.complete(actor, id, note);
  }

  /** Closes a completed run before its rollback window ends (no rollback after that), or files away a rolled-back one. */
  close(actor: Actor, id: string, reason: string): Promise<RunView> {
    return this.acceptance.closeNow(actor, id, reason);
  }

  async rollback(actor: Actor, id: string, reason: string): Promise<RunView> {
    return this.kicked(id, await this.rollbacks.start(actor, id, reason));
  }

  /** Retries a failed run where it failed (when its failure is retryable). */
  async retry(actor: Actor, id: string): Promise<RunView> {
    const row = await this.ops.row(id);
    const failure = row.failure as FailureView | null;
    if (stateOf(row) === 'failed' && failure && !failure.retryable) throw conflict(`Migration ${id} failed for good (${failure.reason}); roll it back or cancel it`);
    const updated = await this.ops.transitions.apply(id, 'retry', actor, { reason: failure ? `retry after: ${failure.reason}` : undefined });
    if (updated.state === 'preparing') await this.review.retry(actor, updated);
    if (updated.state === 'executing') await this.execution.retry(actor, updated);
    return this.kicked(id, runView(updated));
  }

  /** Closes a run before any data moved (after that, roll back instead). */
  async cancel(actor: Actor, id: string, reason?: string): Promise<RunView> {
    const row = await this.ops.row(id);
    if (hasMovedData(stateOf(row), row.returnTo as RunState | null)) throw conflict(`Migration ${id} has moved data; roll it back instead of cancelling it`);
    return runView(await this.ops.transitions.apply(id, 'cancel', actor, { reason }));
  }

  // ---- figures, history, events ----

  metrics(id: string): Promise<MetricsView> {
    return this.metricsPart.get(id);
  }

  errorKeys(id: string, q: { resolved?: boolean; cursor?: string; limit: number }) {
    return this.metricsPart.errorKeys(id, q);
  }

  exportErrorKeys(id: string, q: { resolved?: boolean }, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    return this.metricsPart.exportErrorKeys(id, q, format);
  }

  retryErrorKeys(actor: Actor, id: string, input: { ids?: string[] }) {
    return this.metricsPart.retryErrorKeys(actor, id, input);
  }

  transitions(id: string): Promise<TransitionView[]> {
    return this.ops.transitions.list(id);
  }

  events(id: string, after: number, limit: number): Promise<{ events: MigrationEvent[]; last_seq: number }> {
    return this.ops.events.list(id, after, limit);
  }

  /** Wakes `fn` on each new event of the run (SSE); returns the unsubscribe function. */
  onEvent(id: string, fn: () => void): () => void {
    return this.ops.events.subscribe(id, fn);
  }

  // ---- lifecycle ----

  /** Goes on with every run in a working state (restart safety, host.ts). */
  start(): Promise<void> {
    return this.host.start();
  }

  stop(): Promise<void> {
    return this.host.stop();
  }

  /** Resolves when no host step of the run is in progress (tests). */
  idle(id: string): Promise<void> {
    return this.host.idle(id);
  }

  private kicked(id: string, v: RunView): RunView {
    this.host.kick(id);
    return v;
  }
}
