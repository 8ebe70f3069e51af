/**
 * Interlays as a service: the rows (settings with secrets sealed, the desired state), the
 * running engines (one per started interlay, in memory), their metrics history and ticks,
 * restore at start-up and drain at shutdown.
 *
 * Lifecycle rules:
 * - `desired_state` is the operator's intent and is persisted; `status` is the engine's live
 *   status. A start that fails (port in use, endpoint unreachable at listen time) leaves
 *   desired_state `started` and status `failed` with a readable error, and answers 200: the
 *   request was accepted, the interlay could not listen. Stop (or fix and start again).
 * - Started interlays are started again when the console starts (RESTORE_INTERLAYS); the
 *   shutdown step drains them without touching desired_state.
 * - Port, endpoint, bind address and TLS need a new listener: changing them while the
 *   interlay runs is a 409. Max connections, idle timeout and auth apply live.
 * - When the endpoint's primary (write role) settings change, a running interlay is
 *   restarted on the new backend (drained first); clients reconnect.
 * Operations on one interlay are serialised so a start cannot race a stop.
 */
import crypto from 'node:crypto';
import { AppError, conflict, isAppError, notFound } from '../errors';
import type { Logger } from '../logger';
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import type { AuditService } from '../audit/service';
import type { PrismaClient } from '../db';
import type { Notifier } from '../events';
import type { EndpointService } from '../endpoints/service';
import type { EngineBackend, EngineFactory, EngineHandle } from './engine';
import { HISTORY_INTERVAL_MS, HistoryRing, toHistoryPoint, type HistoryPoint } from './history';
import { renderPrometheus } from './prometheus';
import type { RoutingSpec } from '../interlay/routing';
import type { MirrorError } from '../interlay/mirror';
import type { ShadowDivergence } from '../interlay/shadow';
import type {
  CreateInterlayInput,
  DesiredState,
  InterlayMetrics,
  InterlayStatus,
  InterlayView,
  RoutingInput,
  RoutingView,
  StoredRouting,
  StoredSettings,
  UpdateInterlayInput,
} from './schema';
import { checkMove, mergeRouting, storedRouting, syncState } from './routing';
import { connectionString, listenerChanges, maskSettings, mergeSettings, openSettings } from './settings';

interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}


type EndpointsLike = Pick<EndpointService, 'get' | 'settings' | 'registerUsage' | 'onChange'>;

/** Where the keys a mirror failed or diverged on go (the copy-jobs error-key store, origin `mirror`). */
export interface MirrorErrorSink {
  record(interlay: string, e: MirrorError): Promise<void>;
}

/** The last copy job from an endpoint to a target endpoint started after a moment (for "in sync"). */
export type LastCopyLookup = (source: string, target: string, since: Date) => Promise<{ id: string; status: string; startedAt: Date | null } | null>;

export interface InterlayServiceOptions {
  prisma: PrismaClient;
  secrets: Sealer;
  audit: AuditService;
  notifier: Notifier;
  endpoints: EndpointsLike;
  log: Logger;
  createEngine: EngineFactory;
  /** Host written in connection strings when an interlay binds to all addresses. */
  consoleHost: string;
  /** The console's own HTTP port, which an interlay may not take. */
  consolePort?: number;
  /** Metrics tick period (default 1 s). */
  tickMs?: number;
  /** Drain time for stop requests that name none, and for shutdown. */
  drainTimeoutMs?: number;
  shutdownDrainTimeoutMs?: number;
  /** Keys the mirror failed on (error keys); absent in tests that do not look at them. */
  mirrorErrors?: MirrorErrorSink;
  /** Copy jobs, for "is the target in sync"; without it a move that needs a synced target must be forced. */
  lastCopy?: LastCopyLookup;
}

type Row = {
  id: string;
  endpoint: string;
  port: number;
  settings: unknown;
  routing: unknown;
  desiredState: DesiredState;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
};

interface Runtime {
  endpoint: string;
  port: number;
  engine?: EngineHandle;
  /** Set when start failed, readable; shown as status `failed`. */
  failure?: string;
  /** Hash of the backend settings the engine runs with, to spot endpoint changes that matter. */
  backendKey?: string;
  /** The routing the engine was started with (kept current by setRouting). */
  routing?: StoredRouting;
  needsRestart: boolean;
  history: HistoryRing;
  onStatus?: () => void;
  onMirrorError?: (e: unknown) => void;
  /** A pending `changed` notice for mirror errors (one per second at most). */
  mirrorErrorNotice?: NodeJS.Timeout;
}

const ACTIVE: ReadonlySet<InterlayStatus> = new Set(['starting', 'listening', 'draining']);

export class InterlayService {
  private readonly runtimes = new Map<string, Runtime>();
  /** Who else counts on an interlay (migration runs): deleting one in use is refused. */
  private readonly usage: ((interlay: string) => Promise<{ type: string; id: string }[]>)[] = [];
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly ticker: NodeJS.Timeout;
  private closing = false;
  private readonly prisma: PrismaClient;
  private readonly log: Logger;

  constructor(private readonly o: InterlayServiceOptions) {
    this.prisma = o.prisma;
    this.log = o.log;
    o.endpoints.registerUsage(async (endpoint) => {
      const rows = await this.prisma.interlay.findMany({ select: { id: true, endpoint: true, routing: true }, orderBy: { id: 'asc' } });
      // As the source, or as the target or a mirror target of the live path.
      return rows
        .filter((r) => {
          const ro = storedRouting(r.routing);
          return r.endpoint === endpoint || ro.target === endpoint || ro.mirrors.includes(endpoint);
        })
        .map((r) => ({ type: 'interlay', id: r.id }));
    });
    o.endpoints.onChange((endpoint, change) => {
      if (change === 'updated') void this.onEndpointUpdated(endpoint).catch((err) => this.log.error({ err, endpoint }, 'could not apply an endpoint change to interlays'));
    });
    this.ticker = setInterval(() => this.tick(), o.tickMs ?? HISTORY_INTERVAL_MS);
    this.ticker.unref();
  }

  /** Migration runs report the interlays they drive. */
  registerUsage(checker: (interlay: string) => Promise<{ type: string; id: string }[]>): void {
    this.usage.push(checker);
  }

  // ---- queries ----

  async list(): Promise<InterlayView[]> {
    const rows = await this.prisma.interlay.findMany({ orderBy: { id: 'asc' } });
    return rows.map((r) => this.view(r));
  }

  async get(id: string): Promise<InterlayView> {
    return this.view(await this.row(id));
  }

  /** The current snapshot of a running interlay. */
  async metrics(id: string): Promise<InterlayMetrics & { id: string }> {
    await this.row(id);
    const rt = this.runtimes.get(id);
    const m = rt?.engine && ACTIVE.has(rt.engine.status) ? this.snapshot(rt.engine) : undefined;
    if (!m) throw conflict(`Interlay "${id}" is not running; start it to see its metrics`);
    return { id, ...m };
  }

  /** The last ~5 minutes at one point a second (empty when not running). */
  async history(id: string): Promise<{ id: string; interval_ms: number; points: HistoryPoint[] }> {
    await this.row(id);
    return { id, interval_ms: this.o.tickMs ?? HISTORY_INTERVAL_MS, points: this.runtimes.get(id)?.history.toArray() ?? [] };
  }

  async prometheus(): Promise<string> {
    const rows = await this.prisma.interlay.findMany({ orderBy: { id: 'asc' } });
    return renderPrometheus(
      rows.map((r) => {
        const rt = this.runtimes.get(r.id);
        return { id: r.id, desiredState: r.desiredState, status: this.statusOf(r), metrics: rt?.engine && ACTIVE.has(rt.engine.status) ? this.snapshot(rt.engine) : null };
      }),
    );
  }

  // ---- the live path ----

  async getRouting(id: string): Promise<RoutingView> {
    const row = await this.row(id);
    const r = storedRouting(row.routing);
    return { ...r, sync: await this.syncOf(row, r) };
  }

  /**
   * Changes the stage, policy, target, mirrors or canary/shadow shares, live on a running
   * interlay (the engine quiesces when the primary changes) and kept for the next start.
   * 409 for a move the rules refuse without force (routing.ts checkMove), for a target the
   * interlay cannot reach, or when the engine could not switch in time.
   */
  async setRouting(actor: Actor, id: string, input: RoutingInput): Promise<RoutingView> {
    this.assertOpen();
    return this.serial(id, async () => {
      const row = await this.row(id);
      const current = storedRouting(row.routing);
      const next = mergeRouting(input, current, { endpoint: row.endpoint, actor: actor.username, now: new Date() });
      if (next.target !== null && next.target !== current.target) await this.assertEndpoint(next.target, 'target');
      for (const [i, m] of next.mirrors.entries()) if (!current.mirrors.includes(m)) await this.assertEndpoint(m, `mirrors.${i}`);
      const sync = await this.syncOf(row, current.target === next.target ? current : next);
      checkMove(current.stage, next.stage, sync, input.force === true);
      if (input.force && current.stage !== next.stage) next.forced = { reason: input.reason!, by: actor.username, at: next.updated_at, from: current.stage, to: next.stage };
      const rt = this.runtimes.get(id);
      if (rt?.engine && ACTIVE.has(rt.engine.status)) {
        try {
          await rt.engine.setRouting(await this.resolveRouting(next));
        } catch (e) {
          if (isAppError(e)) throw e;
          throw conflict(`The interlay could not switch to ${next.stage}: ${(e as Error).message}`);
        }
      }
      await this.prisma.interlay.update({ where: { id }, data: { routing: next as never } });
      if (rt) rt.routing = next;
      await this.o.audit.record(actor, {
        action: 'interlay.routing',
        objectType: 'interlay',
        objectId: id,
        details: {
          from: current.stage,
          to: next.stage,
          policy: next.policy,
          target: next.target,
          mirrors: next.mirrors,
          canary_percent: next.canary_percent,
          shadow_sample_rate: next.shadow_sample_rate,
          ...(input.force ? { forced: true, reason: input.reason } : {}),
        },
      });
      this.o.notifier.changed({ kind: 'interlay', id });
      return { ...next, sync: await this.syncOf(row, next) };
    });
  }

  /** The most recent shadow-read divergences (key and both replies) of a running interlay. */
  async shadowDivergences(id: string): Promise<{ id: string; divergences: ShadowDivergence[] }> {
    await this.row(id);
    const rt = this.runtimes.get(id);
    return { id, divergences: rt?.engine && ACTIVE.has(rt.engine.status) ? rt.engine.shadowDivergences() : [] };
  }

  /**
   * The copier's coordination with a running interlay's mirror (lib/migration/README.md), for
   * a copy job whose source is the interlay's endpoint and whose target it mirrors to (as its
   * target or a mirror target), with the interlay's id; null when none runs or it mirrors
   * elsewhere. One coordinator covers every side the interlay writes: a key written during
   * its copy window is synced by state to all of them.
   */
  liveCopy(source: string, target: string): { interlay: string; coordination: ReturnType<EngineHandle['copyCoordinator']> } | null {
    for (const [id, rt] of this.runtimes) {
      if (rt.endpoint !== source || !rt.engine || !ACTIVE.has(rt.engine.status)) continue;
      const r = rt.routing;
      if (r && (r.target === target || r.mirrors.includes(target)) && r.stage !== 'source') return { interlay: id, coordination: rt.engine.copyCoordinator() };
    }
    return null;
  }

  /** The copy coordination of one running interlay (a retry of its mirror error keys syncs inside its windows). */
  coordinatorOf(id: string): ReturnType<EngineHandle['copyCoordinator']> | null {
    const rt = this.runtimes.get(id);
    return rt?.engine && ACTIVE.has(rt.engine.status) ? rt.engine.copyCoordinator() : null;
  }

  /** liveCopy's coordination alone. */
  copyCoordinator(source: string, target: string): ReturnType<EngineHandle['copyCoordinator']> | null {
    return this.liveCopy(source, target)?.coordination ?? null;
  }

  /** A copy to `target` completed: interlays mirroring to it trust it again (it was refilled). */
  copyCompleted(source: string, target: string): void {
    for (const rt of this.runtimes.values()) {
      const r = rt.routing;
      if (rt.endpoint !== source || !rt.engine || !r) continue;
      if (r.target === target) rt.engine.markResynced('target');
      else if (r.mirrors.includes(target)) rt.engine.markResynced(target);
    }
  }

  private async syncOf(row: Row, r: StoredRouting): Promise<RoutingView['sync']> {
    const copy = r.target !== null && r.mirroring_since !== null && this.o.lastCopy ? await this.o.lastCopy(row.endpoint, r.target, new Date(r.mirroring_since)) : null;
    const rt = this.runtimes.get(row.id);
    let mirror: { inSync: boolean; pending: number; lostData: boolean } | null = null;
    if (rt?.engine && ACTIVE.has(rt.engine.status)) {
      const m = this.snapshot(rt.engine).mirror;
      const link = m.links.find((l) => l.name === 'target');
      mirror = { inSync: link?.in_sync ?? true, pending: m.syncs.pending, lostData: link?.lost_data ?? false };
    }
    const st = syncState(r, copy, mirror);
    if (!this.o.lastCopy && r.target !== null) st.reasons.push('copy jobs are not available to this console');
    return { ...st, in_sync: st.reasons.length === 0 };
  }

  /** Endpoint names to the connections the engine writes (each endpoint's primary). */
  private async resolveRouting(r: StoredRouting): Promise<RoutingSpec> {
    const primaryOf = async (name: string) => {
      const ep = await this.o.endpoints.settings(name);
      const w = ep.roles.write;
      if (!w) throw conflict(`Endpoint "${name}" has no primary (write) connection`);
      const { role: _role, ...backend } = w;
      return backend;
    };
    return {
      stage: r.stage,
      policy: r.policy,
      target: r.target === null ? null : await primaryOf(r.target),
      mirrors: await Promise.all(r.mirrors.map(async (m) => ({ name: m, target: await primaryOf(m) }))),
      canaryPercent: r.canary_percent,
      shadowSampleRate: r.shadow_sample_rate,
    };
  }

  // ---- changes ----

  async create(actor: Actor, input: CreateInterlayInput): Promise<InterlayView> {
    this.assertOpen();
    await this.assertEndpoint(input.endpoint, 'endpoint');
    this.assertNotConsolePort(input.port);
    if (await this.prisma.interlay.findUnique({ where: { id: input.id } })) throw conflict(`An interlay named "${input.id}" already exists`);
    await this.assertPortFree(input.port, undefined);
    const settings = mergeSettings(input.settings, undefined, this.o.secrets, actor.username);
    try {
      await this.prisma.interlay.create({ data: { id: input.id, endpoint: input.endpoint, port: input.port, settings: settings as never } });
    } catch (e) {
      throw this.uniqueViolation(e, input.id, input.port);
    }
    await this.o.audit.record(actor, {
      action: 'interlay.create',
      objectType: 'interlay',
      objectId: input.id,
      details: { endpoint: input.endpoint, port: input.port, ...auditShape(settings) },
    });
    this.o.notifier.changed({ kind: 'interlay', id: input.id });
    if (input.start) return this.start(actor, input.id);
    return this.get(input.id);
  }

  async update(actor: Actor, id: string, input: UpdateInterlayInput): Promise<InterlayView> {
    this.assertOpen();
    return this.serial(id, async () => {
      const row = await this.row(id);
      const before = row.settings as StoredSettings;
      const after = input.settings ? mergeSettings(input.settings, before, this.o.secrets, actor.username) : before;
      const needListener = [
        ...(input.port !== undefined && input.port !== row.port ? ['port'] : []),
        ...(input.endpoint !== undefined && input.endpoint !== row.endpoint ? ['endpoint'] : []),
        ...listenerChanges(before, after),
      ];
      const rt = this.runtimes.get(id);
      const running = Boolean(rt?.engine && ACTIVE.has(rt.engine.status));
      if (running && needListener.length) {
        throw new AppError('CONFLICT', `Interlay "${id}" is running: stop it before changing ${needListener.map((p) => p.replace('settings.', '')).join(', ')} (they need a new listener)`, {
          issues: needListener.map((path) => ({ path, message: 'stop the interlay to change this' })),
        });
      }
      if (input.endpoint !== undefined && input.endpoint !== row.endpoint) await this.assertEndpoint(input.endpoint, 'endpoint');
      if (input.port !== undefined && input.port !== row.port) {
        this.assertNotConsolePort(input.port);
        await this.assertPortFree(input.port, id);
      }
      let updated: Row;
      try {
        updated = await this.prisma.interlay.update({
          where: { id },
          data: {
            ...(input.port !== undefined ? { port: input.port } : {}),
            ...(input.endpoint !== undefined ? { endpoint: input.endpoint } : {}),
            ...(input.settings ? { settings: after as never } : {}),
          },
        });
      } catch (e) {
        throw this.uniqueViolation(e, id, input.port ?? row.port);
      }
      if (running && input.settings) {
        const opened = openSettings(after, this.o.secrets);
        try {
          rt!.engine!.updateSettings({
            max_concurrent_connections: opened.max_concurrent_connections,
            idle_timeout_s: opened.idle_timeout_s,
            auth: opened.auth,
            backend_auth: opened.backend_auth,
            allow_unauthenticated: opened.allow_unauthenticated,
            command_allowlist: opened.command_allowlist,
          });
        } catch (e) {
          // Saved, but the running engine refused it: the next start uses the saved settings.
          this.log.warn({ err: e, interlay: id }, 'engine refused a live settings change');
          rt!.needsRestart = true;
        }
      }
      await this.o.audit.record(actor, {
        action: 'interlay.update',
        objectType: 'interlay',
        objectId: id,
        details: {
          changed: Object.keys(input).flatMap((k) => (k === 'settings' ? Object.keys(input.settings ?? {}).map((s) => `settings.${s}`) : [k])),
          applied_live: running,
          // Who opened what is part of the record: the security settings as they now stand.
          ...(input.settings ? { settings: auditShape(after) } : {}),
        },
      });
      this.o.notifier.changed({ kind: 'interlay', id });
      return this.view(updated);
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    return this.serial(id, async () => {
      const row = await this.row(id);
      const rt = this.runtimes.get(id);
      if (row.desiredState === 'started' || (rt?.engine && ACTIVE.has(rt.engine.status))) {
        throw conflict(`Interlay "${id}" is started; stop it before deleting it`);
      }
      const users = (await Promise.all(this.usage.map((u) => u(id)))).flat();
      if (users.length > 0) {
        throw conflict(`Interlay "${id}" is used by ${users.map((u) => `${u.type} ${u.id}`).join(', ')}; close or roll back those first`, { used_by: users });
      }
      await this.prisma.interlay.delete({ where: { id } });
      this.dropRuntime(id);
      await this.o.audit.record(actor, { action: 'interlay.delete', objectType: 'interlay', objectId: id, details: { endpoint: row.endpoint, port: row.port } });
      this.o.notifier.changed({ kind: 'interlay', id });
    });
  }

  /** Starts listening. A failure to listen is reported in the returned status, not thrown. */
  async start(actor: Actor, id: string): Promise<InterlayView> {
    this.assertOpen();
    return this.serial(id, async () => {
      const row = await this.row(id);
      const rt = this.runtimes.get(id);
      if (rt?.engine && ACTIVE.has(rt.engine.status) && row.desiredState === 'started') return this.view(row);
      await this.prisma.interlay.update({ where: { id }, data: { desiredState: 'started' } });
      const error = await this.launch(row);
      await this.o.audit.record(actor, { action: 'interlay.start', objectType: 'interlay', objectId: id, details: { port: row.port, ok: !error, ...(error ? { error } : {}) } });
      this.o.notifier.changed({ kind: 'interlay', id });
      return this.get(id);
    });
  }

  async stop(actor: Actor, id: string, opts: { drainTimeoutMs?: number } = {}): Promise<InterlayView> {
    return this.serial(id, async () => {
      await this.row(id);
      await this.prisma.interlay.update({ where: { id }, data: { desiredState: 'stopped', lastError: null } });
      const drained = await this.halt(id, opts.drainTimeoutMs ?? this.o.drainTimeoutMs ?? 10_000);
      this.dropRuntime(id);
      await this.o.audit.record(actor, { action: 'interlay.stop', objectType: 'interlay', objectId: id, details: { was_running: drained } });
      this.o.notifier.changed({ kind: 'interlay', id });
      return this.get(id);
    });
  }

  // ---- start-up and shutdown ----

  /** Starts every interlay whose desired state is `started` (console start-up). */
  async restore(): Promise<{ started: string[]; failed: string[] }> {
    const rows = await this.prisma.interlay.findMany({ where: { desiredState: 'started' }, orderBy: { id: 'asc' } });
    const started: string[] = [];
    const failed: string[] = [];
    for (const row of rows) {
      const error = await this.serial(row.id, () => this.launch(row));
      (error ? failed : started).push(row.id);
      await this.o.audit.record(SYSTEM_ACTOR, { action: 'interlay.restore', objectType: 'interlay', objectId: row.id, details: { ok: !error, ...(error ? { error } : {}) } });
      this.o.notifier.changed({ kind: 'interlay', id: row.id });
    }
    if (rows.length) this.log.info({ started: started.length, failed: failed.length }, 'interlays restored');
    return { started, failed };
  }

  /** Drains every running interlay, keeping desired_state so they come back next start. */
  async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.ticker);
    const timeout = this.o.shutdownDrainTimeoutMs ?? 5_000;
    await Promise.all(
      [...this.runtimes.keys()].map((id) =>
        this.serial(id, async () => {
          await this.halt(id, timeout);
          this.dropRuntime(id);
        }).catch((err) => this.log.error({ err, interlay: id }, 'error while stopping an interlay')),
      ),
    );
  }

  async close(): Promise<void> {
    await this.shutdown();
  }

  // ---- internals ----

  /** Builds and starts the engine; returns a readable error when it could not listen. */
  private async launch(row: Row): Promise<string | undefined> {
    await this.halt(row.id, 0);
    this.dropRuntime(row.id);
    const rt: Runtime = { endpoint: row.endpoint, port: row.port, needsRestart: false, history: new HistoryRing() };
    this.runtimes.set(row.id, rt);
    const log = this.log.child({ interlay: row.id });
    let error: string | undefined;
    try {
      const ep = await this.o.endpoints.settings(row.endpoint);
      const write = ep.roles.write;
      if (!write) throw new AppError('CONFLICT', `Endpoint "${row.endpoint}" has no primary (write) connection`);
      const { role: _role, ...backend } = write;
      rt.backendKey = backendKey(backend, ep.poolSize);
      const settings = openSettings(row.settings as StoredSettings, this.o.secrets);
      const stored = storedRouting(row.routing);
      let routing: RoutingSpec | undefined;
      try {
        routing = await this.resolveRouting(stored);
        rt.routing = stored;
      } catch (e) {
        // A target or mirror endpoint that went away: serve as before from the source, say why.
        log.error({ reason: (e as Error).message }, 'could not resolve the routing; the interlay starts without it');
      }
      const engine = this.o.createEngine({ id: row.id, port: row.port, backend, poolSize: ep.poolSize, settings, routing, log });
      rt.engine = engine;
      rt.onStatus = () => this.onStatus(row.id, rt);
      engine.on('status', rt.onStatus);
      engine.on('backend', rt.onStatus);
      rt.onMirrorError = (e: unknown) => {
        const err = e as MirrorError;
        // An outage fails writes by the hundred: browsers hear of them once a second at most.
        rt.mirrorErrorNotice ??= setTimeout(() => {
          rt.mirrorErrorNotice = undefined;
          this.o.notifier.changed({ kind: 'interlay', id: row.id });
        }, 1000).unref();
        void this.o.mirrorErrors?.record(row.id, err).catch((er) => log.error({ err: er }, 'could not record mirror error keys'));
      };
      engine.on('mirror-error', rt.onMirrorError);
      engine.on('routing', rt.onStatus);
      try {
        await engine.start();
      } catch (e) {
        error = readableStartError(e, settings.bind_address, row.port);
      }
      if (!error && engine.status === 'failed') error = readableStartError(engine.error, settings.bind_address, row.port);
    } catch (e) {
      error = isAppError(e) ? e.message : readableStartError(e, '', row.port);
    }
    if (error) {
      rt.failure = error;
      log.warn({ port: row.port, error }, 'interlay failed to start');
    } else {
      log.info({ port: row.port, endpoint: row.endpoint }, 'interlay listening');
    }
    await this.prisma.interlay.update({ where: { id: row.id }, data: { lastError: error ?? null } }).catch(() => {});
    return error;
  }

  /** Stops the engine if any (draining for up to `drainTimeoutMs`); true when one was running. */
  private async halt(id: string, drainTimeoutMs: number): Promise<boolean> {
    const rt = this.runtimes.get(id);
    const engine = rt?.engine;
    if (!engine) return false;
    const wasActive = ACTIVE.has(engine.status);
    if (engine.status !== 'stopped') {
      try {
        await engine.stop({ drainTimeoutMs });
      } catch (err) {
        this.log.warn({ err, interlay: id }, 'interlay did not stop cleanly');
      }
    }
    return wasActive;
  }

  private dropRuntime(id: string): void {
    const rt = this.runtimes.get(id);
    if (rt?.engine && rt.onStatus) {
      rt.engine.off('status', rt.onStatus);
      rt.engine.off('backend', rt.onStatus);
      rt.engine.off('routing', rt.onStatus);
    }
    if (rt?.engine && rt.onMirrorError) rt.engine.off('mirror-error', rt.onMirrorError);
    if (rt?.mirrorErrorNotice) clearTimeout(rt.mirrorErrorNotice);
    this.runtimes.delete(id);
  }

  private onStatus(id: string, rt: Runtime): void {
    if (this.runtimes.get(id) !== rt || !rt.engine) return;
    const status = rt.engine.status;
    if (status === 'failed') {
      rt.failure = readableStartError(rt.engine.error, '', rt.port);
      this.log.warn({ interlay: id, error: rt.failure }, 'interlay failed');
      void this.prisma.interlay.update({ where: { id }, data: { lastError: rt.failure } }).catch(() => {});
    }
    this.o.notifier.changed({ kind: 'interlay', id });
  }

  private tick(): void {
    for (const [id, rt] of this.runtimes) {
      if (!rt.engine || !ACTIVE.has(rt.engine.status)) continue;
      let m: InterlayMetrics;
      try {
        m = this.snapshot(rt.engine);
      } catch (err) {
        this.log.debug({ err, interlay: id }, 'metrics snapshot failed');
        continue;
      }
      rt.history.push(toHistoryPoint(m));
      this.o.notifier.toRoom(`interlay:${id}`, 'interlay:metrics', { ...m, id, at: m.at });
    }
  }

  /** The engine's snapshot with `at` as epoch milliseconds. */
  private snapshot(engine: EngineHandle): InterlayMetrics {
    const m = engine.metrics();
    const at = typeof m.at === 'number' ? m.at : Date.parse(String(m.at)) || Date.now();
    return { ...m, at };
  }

  private async onEndpointUpdated(endpoint: string): Promise<void> {
    const ids = [...this.runtimes.entries()].filter(([, rt]) => rt.endpoint === endpoint && rt.engine && ACTIVE.has(rt.engine.status)).map(([id]) => id);
    for (const id of ids) {
      await this.serial(id, async () => {
        const rt = this.runtimes.get(id);
        if (!rt?.engine || !ACTIVE.has(rt.engine.status)) return;
        const ep = await this.o.endpoints.settings(endpoint);
        if (!ep.roles.write) return;
        const { role: _role, ...backend } = ep.roles.write;
        if (backendKey(backend, ep.poolSize) === rt.backendKey) return;
        this.log.info({ interlay: id, endpoint }, 'endpoint changed; restarting the interlay on the new backend');
        const row = await this.row(id);
        const error = await this.launch(row);
        await this.o.audit.record(SYSTEM_ACTOR, { action: 'interlay.restart', objectType: 'interlay', objectId: id, details: { reason: 'endpoint updated', ok: !error, ...(error ? { error } : {}) } });
        this.o.notifier.changed({ kind: 'interlay', id });
      });
    }
  }

  private statusOf(row: Row): InterlayStatus {
    const rt = this.runtimes.get(row.id);
    if (rt?.failure) return 'failed';
    return rt?.engine?.status ?? 'stopped';
  }

  private view(row: Row): InterlayView {
    const rt = this.runtimes.get(row.id);
    const settings = row.settings as StoredSettings;
    const status = this.statusOf(row);
    const conn = connectionString(settings, row.port, this.o.consoleHost);
    let error: string | null = null;
    if (status === 'failed') error = rt?.failure ?? rt?.engine?.error ?? row.lastError;
    else if (!rt && row.desiredState === 'started') error = row.lastError;
    let metrics: InterlayMetrics | null = null;
    if (rt?.engine && ACTIVE.has(rt.engine.status)) {
      try {
        metrics = this.snapshot(rt.engine);
      } catch {
        metrics = null;
      }
    }
    return {
      id: row.id,
      endpoint: row.endpoint,
      port: row.port,
      settings: maskSettings(settings),
      desired_state: row.desiredState,
      status,
      error,
      needs_restart: rt?.needsRestart ?? false,
      connection_string: conn.url,
      auth_user: conn.user,
      backend_state: metrics?.backend.state ?? null,
      routing: storedRouting(row.routing),
      metrics,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
    };
  }

  private async row(id: string): Promise<Row> {
    const row = await this.prisma.interlay.findUnique({ where: { id } });
    if (!row) throw notFound('Interlay', id);
    return row;
  }

  private async assertEndpoint(name: string, path: string): Promise<void> {
    try {
      await this.o.endpoints.get(name);
    } catch (e) {
      if (isAppError(e) && e.code === 'NOT_FOUND') {
        throw new AppError('VALIDATION', `Endpoint "${name}" does not exist`, { issues: [{ path, message: `no endpoint named "${name}"` }] });
      }
      throw e;
    }
  }

  private assertNotConsolePort(port: number): void {
    if (this.o.consolePort === port) {
      throw new AppError('VALIDATION', `Port ${port} is the console's own port`, { issues: [{ path: 'port', message: "is the console's own port" }] });
    }
  }

  private async assertPortFree(port: number, self: string | undefined): Promise<void> {
    const other = await this.prisma.interlay.findUnique({ where: { port }, select: { id: true } });
    if (other && other.id !== self) throw conflict(`Port ${port} is already used by interlay "${other.id}"`, { port, interlay: other.id });
  }

  /** A unique violation lost to a concurrent request reads like the prechecks' 409s. */
  private uniqueViolation(e: unknown, id: string, port: number): unknown {
    const err = e as { code?: string; meta?: { target?: unknown; driverAdapterError?: unknown } };
    if (err?.code === 'P2002') {
      const text = JSON.stringify(err.meta ?? {});
      return text.includes('port') ? conflict(`Port ${port} is already used by another interlay`) : conflict(`An interlay named "${id}" already exists`);
    }
    return e;
  }

  private assertOpen(): void {
    if (this.closing) throw new AppError('UNAVAILABLE', 'The console is shutting down');
  }

  private async serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }
}

function backendKey(b: EngineBackend, poolSize: number): string {
  return crypto.createHash('sha256').update(JSON.stringify([b, poolSize])).digest('hex');
}

/** What an operator can act on, instead of a bare errno. */
export function readableStartError(e: unknown, bind: string, port: number): string {
  const err = e as NodeJS.ErrnoException | string | undefined;
  const msg = typeof err === 'string' ? err : (err?.message ?? 'unknown error');
  const code = typeof err === 'object' && err ? err.code : undefined;
  const where = bind ? `${bind}:${port}` : `port ${port}`;
  if (code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(msg)) return `Port ${port} is already in use (${where}); stop whatever listens there or choose another port`;
  if (code === 'EACCES' || /EACCES/.test(msg)) return `Not allowed to listen on ${where}; ports below 1024 need privileges`;
  if (code === 'EADDRNOTAVAIL' || /EADDRNOTAVAIL/.test(msg)) return `The bind address of ${where} is not an address of this machine`;
  if (code === 'ENOTFOUND' || /ENOTFOUND|getaddrinfo/.test(msg)) return `The bind address of ${where} does not resolve`;
  return msg;
}

function auditShape(s: StoredSettings): Record<string, unknown> {
  return {
    bind_address: s.bind_address,
    max_concurrent_connections: s.max_concurrent_connections,
    idle_timeout_s: s.idle_timeout_s,
    auth: s.auth ? { password: s.auth.password !== undefined, users: s.auth.users?.map((u) => u.username) ?? [] } : null,
    tls: Boolean(s.tls),
    backend_auth: s.backend_auth !== false,
    allow_unauthenticated: s.allow_unauthenticated ?? null,
    command_allowlist: s.command_allowlist ?? [],
  };
}
