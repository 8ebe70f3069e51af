/**
 * Copy jobs: the console's host for the copy engine (lib/copy). A facade over its parts,
 * one concern each, so routes call one object:
 * - jobs.ts          create, list, read, pause / resume / cancel, rate limit, endpoint use
 * - host.ts          one CopyRun per running job, throttled progress, how a run ends
 * - transitions.ts   the state machine applied (compare-and-set + history row)
 * - error-keys.ts    list, export, retry, resolve
 * - verifications.ts verify in the background, mismatch pages and exports
 * - repair.ts        re-copy what a verification found (in the background; the whole scope when its list is incomplete)
 * - mirror-errors.ts interlays' mirror error keys (origin `mirror`): record, list, export, retry
 * - live-path.ts     runs coordinated with the interlay mirroring their source to their targets
 * - views.ts         the API's shapes; spec.ts the engine spec from stored options
 */
import type { Actor } from '../auth/roles';
import type { EndpointUse } from '../endpoints/service';
import { ErrorKeys } from './error-keys';
import type { ExportFormat } from './export';
import { RunHost } from './host';
import { Jobs } from './jobs';
import { MirrorErrorKeys } from './mirror-errors';
import { Repairs } from './repair';
import { COPY_ENGINE, delay, type CopyJobResources, type CopyJobServiceDeps } from './resources';
import type { CreateCopyJobInput, ErrorKeyQuery, MismatchQuery, ResolveErrorKeysInput, RetryErrorKeysInput, VerifyInput } from './schema';
import type { CopyJobState } from './state';
import { JobTransitions, type TransitionItem } from './transitions';
import { Verifications } from './verifications';
import type { CopyJobView, ErrorKeyItem, MismatchItem, VerificationView } from './views';

export type { CopyEngine, CopyJobServiceDeps, CopyRunLike, NotifierLike } from './resources';
export type { CopyJobView, ErrorKeyCounts, ErrorKeyItem, MismatchItem, ThroughputSample, VerificationView } from './views';

export class CopyJobService {
  private readonly jobs: Jobs;
  private readonly host: RunHost;
  private readonly history: JobTransitions;
  private readonly errorKeys: ErrorKeys;
  private readonly verifications: Verifications;
  private readonly repairs: Repairs;
  /** Interlays' mirror error keys (the interlay service's sink; listed, exported and retried per interlay). */
  readonly mirrorErrors: MirrorErrorKeys;
  private readonly res: CopyJobResources;
  /** Verifications and repairs in flight, awaited on stop. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(deps: CopyJobServiceDeps) {
    const { engine, progressIntervalMs, ...rest } = deps;
    const res: CopyJobResources = { ...rest, engine: engine ?? COPY_ENGINE };
    this.res = res;
    this.history = new JobTransitions(res);
    this.host = new RunHost(res, this.history, progressIntervalMs ?? 1000);
    this.errorKeys = new ErrorKeys(res, this.history);
    this.jobs = new Jobs(res, this.host, this.history, this.errorKeys);
    this.verifications = new Verifications(res, (p) => this.track(p));
    this.repairs = new Repairs(res, this.errorKeys, (p) => this.track(p));
    this.mirrorErrors = new MirrorErrorKeys(res);
    deps.endpoints.registerUsage((name) => this.usage(name));
  }

  // ---- jobs ----

  create(actor: Actor, input: CreateCopyJobInput): Promise<CopyJobView> {
    return this.jobs.create(actor, input);
  }

  list(q: { status?: CopyJobState; limit?: number } = {}): Promise<CopyJobView[]> {
    return this.jobs.list(q);
  }

  get(id: string): Promise<CopyJobView> {
    return this.jobs.get(id);
  }

  pause(actor: Actor, id: string): Promise<CopyJobView> {
    return this.jobs.pause(actor, id);
  }

  resume(actor: Actor, id: string): Promise<CopyJobView> {
    return this.jobs.resume(actor, id);
  }

  cancel(actor: Actor, id: string): Promise<CopyJobView> {
    return this.jobs.cancel(actor, id);
  }

  setRateLimit(actor: Actor, id: string, rate: { keys_per_sec?: number; mb_per_sec?: number } | null): Promise<CopyJobView> {
    return this.jobs.setRateLimit(actor, id, rate);
  }

  /** Non-terminal jobs that use an endpoint (deleting it is then refused with 409). */
  usage(endpoint: string): Promise<EndpointUse[]> {
    return this.jobs.usage(endpoint);
  }

  transitions(id: string): Promise<TransitionItem[]> {
    return this.history.list(id);
  }

  // ---- lifecycle ----

  /** Resumes every job that was running when the console stopped, from its checkpoint. */
  start(): Promise<void> {
    return this.host.start();
  }

  /**
   * Stops every run after its current batch (checkpoint saved) without changing the jobs'
   * status, so the next start resumes them. Verifications in flight are awaited.
   */
  async stop(): Promise<void> {
    await this.host.stop();
    await this.mirrorErrors.flush().catch((err) => this.res.log.error({ err }, 'could not store the last mirror error keys'));
    await Promise.race([Promise.allSettled([...this.background]), delay(30_000)]);
  }

  /** Whether a run of this job is active in this process (tests, health). */
  isLive(id: string): boolean {
    return this.host.isLive(id);
  }

  // ---- error keys ----

  listErrorKeys(id: string, q: ErrorKeyQuery): Promise<{ items: ErrorKeyItem[]; counts_by_class: Record<string, number>; next_cursor: string | null }> {
    return this.errorKeys.list(id, q);
  }

  exportErrorKeys(id: string, q: ErrorKeyQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    return this.errorKeys.export(id, q, format);
  }

  retryErrorKeys(actor: Actor, id: string, input: RetryErrorKeysInput): Promise<{ attempted: number; copied: number; failed: number; remaining: Record<string, number> }> {
    return this.errorKeys.retry(actor, id, input);
  }

  resolveErrorKeys(actor: Actor, id: string, input: ResolveErrorKeysInput): Promise<{ resolved: number }> {
    return this.errorKeys.resolve(actor, id, input);
  }

  // ---- verifications and repair ----

  verify(actor: Actor, id: string, input: VerifyInput): Promise<VerificationView> {
    return this.verifications.start(actor, id, input);
  }

  listVerifications(id: string): Promise<VerificationView[]> {
    return this.verifications.list(id);
  }

  getVerification(id: string, vid: string, q: MismatchQuery): Promise<VerificationView & { mismatches: MismatchItem[]; next_cursor: string | null }> {
    return this.verifications.get(id, vid, q);
  }

  exportMismatches(id: string, vid: string, q: MismatchQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    return this.verifications.exportMismatches(id, vid, q, format);
  }

  /** Starts a repair in the background (202); poll the verification for its outcome. */
  repair(actor: Actor, id: string, vid: string): Promise<VerificationView> {
    return this.repairs.start(actor, id, vid);
  }

  private track(p: Promise<unknown>): void {
    const t = p.finally(() => this.background.delete(t));
    this.background.add(t);
  }
}
