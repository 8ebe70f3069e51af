/**
 * Interlay: a RESP proxy listener in front of one backend Redis. Owns the listening
 * socket and the status field (changed only in `setStatus`); the engine does the proxying.
 *
 * Status: stopped -> starting -> listening -> draining -> stopped; starting -> failed.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import type { Logger } from '@/lib/logger';
import type { CopyCoordination } from '@/lib/copy/types';
import type { CopyWindow } from '@/lib/migration/coordinator';
import { Engine } from './engine';
import { adoptAccepted, onDataEvents } from './io';
import type { MirrorError } from './mirror';
import { directPolicy } from './policy';
import { SOURCE_ONLY, type RoutingSpec } from './routing';
import { Session } from './session';
import type { ShadowDivergence } from './shadow';
import {
  DEFAULT_SETTINGS,
  type InterlayMetrics,
  type InterlayOptions,
  type InterlaySettings,
  type InterlayStatus,
  type RoutingPolicy,
} from './types';

const MAX_CLIENTS_REPLY = Buffer.from('-ERR max number of clients reached\r\n');
const HOUSEKEEPING_MS = 250;
const DEFAULT_DRAIN_MS = 5000;

export class Interlay extends EventEmitter {
  readonly id: string;
  private statusValue: InterlayStatus = 'stopped';
  private errorValue: string | undefined;
  private readonly opts: InterlayOptions;
  private readonly log: Logger;
  private settings: InterlaySettings;
  private engine: Engine;
  private server: net.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private lastBackendState = '';
  /** The routing to run with; kept across stop/start (the engine is rebuilt on start). */
  private routingSpec: RoutingSpec;
  private linkOps = new Map<string, { ops: number; at: number; rate: number }>();

  constructor(opts: InterlayOptions) {
    super();
    if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new RangeError(`invalid port ${opts.port}`);
    if (!Number.isInteger(opts.poolSize) || opts.poolSize < 1) throw new RangeError(`invalid poolSize ${opts.poolSize}`);
    this.id = opts.id;
    this.opts = opts;
    this.log = opts.log.child({ interlay: opts.id });
    this.settings = { ...DEFAULT_SETTINGS, ...opts.settings };
    this.routingSpec = opts.routing ?? SOURCE_ONLY;
    this.engine = this.newEngine();
  }

  /** The routing in force (or to be applied at the next start). */
  get routing(): RoutingSpec {
    return this.routingSpec;
  }

  /**
   * Changes the stage, policy, target or mirrors live (see routing.ts: a change of primary
   * quiesces first). On a stopped interlay it is kept for the next start. Rejects, leaving
   * the previous routing in force, when the target is unreachable or the quiesce times out.
   */
  async setRouting(spec: RoutingSpec, opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.statusValue === 'listening') await this.engine.router.apply(spec, opts.timeoutMs);
    this.routingSpec = spec;
    this.emit('routing', spec);
  }

  /**
   * The copier's side of the coordination with mirroring (lib/migration/README.md): it opens
   * a window before it DUMPs a batch and closes it when the batch's RESTOREs are answered.
   */
  copyCoordinator(): CopyCoordination {
    const co = () => this.engine.router.coordinator;
    return { beginCopy: (db, keys) => co().beginCopy(db, keys), endCopy: (w) => co().endCopy(w as CopyWindow) };
  }

  /** Whether every mirrored write and state sync has been applied (the sides agree, as far as writes go). */
  get mirrorDrained(): boolean {
    const r = this.engine.router;
    return (
      r.mirror.busy === 0 &&
      r.coordinator.quiet &&
      r.syncer.running === 0 &&
      r.syncer.retrying === 0 &&
      r.mirror.allLinks().every((l) => l.inflight === 0)
    );
  }

  /** Resolves once the mirror has drained (`mirrorDrained`), or rejects after `timeoutMs`. */
  async waitMirrorDrained(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.mirrorDrained) {
      if (Date.now() > deadline) {
        const r = this.engine.router;
        throw new Error(`mirror not drained within ${timeoutMs} ms: ${JSON.stringify({ busy: r.mirror.busy, ...r.coordinator.stats(), syncs: r.syncer.running })}`);
      }
      this.engine.router.syncer.pump();
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  /** A full copy to the target (or a mirror target, by name) completed: it is trusted again. */
  markResynced(name: string): void {
    this.engine.router.markResynced(name);
  }

  /** The most recent shadow-read divergences (key and both replies). */
  shadowDivergences(): ShadowDivergence[] {
    return [...this.engine.router.shadow.recent];
  }

  get status(): InterlayStatus {
    return this.statusValue;
  }

  get error(): string | undefined {
    return this.errorValue;
  }

  /** The port actually bound (differs from options.port when that was 0). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : this.opts.port;
  }

  /** The active routing policy; replace it live with `setPolicy`. */
  get policy(): RoutingPolicy {
    return this.engine.policy;
  }

  setPolicy(policy: RoutingPolicy): void {
    this.engine.policy = policy;
  }

  private newEngine(): Engine {
    const o = this.opts;
    const e = new Engine(o.backend, o.poolSize, this.settings, o.policy ?? directPolicy, o.limits, this.log);
    e.onMirrorError = (err: MirrorError) => this.emit('mirror-error', err);
    return e;
  }

  private setStatus(status: InterlayStatus, error?: string): void {
    this.statusValue = status;
    this.errorValue = error;
    this.log.info({ status, error }, 'interlay status');
    this.emit('status', status, error);
  }

  async start(): Promise<void> {
    if (this.statusValue === 'listening' || this.statusValue === 'starting') return;
    if (this.statusValue === 'draining') throw new Error('interlay is stopping');
    if (this.engine.sessions.size > 0 || this.server !== null) throw new Error('interlay is not fully stopped');
    this.engine = this.newEngine();
    this.setStatus('starting');
    const s = this.settings;
    // allowHalfOpen: a client that shuts down its write side still gets every reply (Session.onInputEnd).
    const server = s.tls
      ? tls.createServer({ cert: s.tls.cert, key: s.tls.key, allowHalfOpen: true }, (sock) => this.onConnection(sock))
      : net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (sock) => this.onConnection(sock));
    server.on('tlsClientError', (err: Error) => this.log.debug({ reason: err.message }, 'client TLS handshake failed'));
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => reject(err);
        server.once('error', onError);
        server.listen({ port: this.opts.port, host: s.bind_address, backlog: 1024 }, () => {
          server.off('error', onError);
          resolve();
        });
      });
    } catch (e) {
      this.server = null;
      server.close();
      const message = describeListenError(e as NodeJS.ErrnoException, s.bind_address, this.opts.port);
      this.setStatus('failed', message);
      throw new Error(message);
    }
    server.on('error', (err) => this.log.error({ reason: err.message }, 'listener error'));
    this.engine.listenPort = this.port;
    this.engine.start(() => this.onBackendState());
    this.timer = setInterval(() => this.housekeeping(), HOUSEKEEPING_MS);
    this.timer.unref();
    this.setStatus('listening');
    if (this.routingSpec.stage !== 'source' || this.routingSpec.target !== null) {
      // Back in the stage it was in (a restart), whether or not the target answers yet:
      // falling back to the source could lose writes the target holds. Until it answers,
      // mirrored writes to it are recorded and resynced, commands it serves get errors.
      await this.engine.router.apply(this.routingSpec, 30_000, false);
    }
  }

  private onBackendState(): void {
    const st = this.engine.backendSummary().state;
    if (st !== this.lastBackendState) {
      this.lastBackendState = st;
      this.log.info({ backend: st }, 'backend state');
      this.emit('backend', st);
    }
  }

  /** The backend's state while listening ('down' otherwise). */
  get backendState(): 'up' | 'down' | 'reconnecting' {
    return this.statusValue === 'listening' || this.statusValue === 'draining' ? this.engine.backendSummary().state : 'down';
  }

  /** Resolves once the backend is up (tests, and hosts that must not report ready before it). */
  async waitForBackend(timeoutMs = 10_000): Promise<void> {
    if (this.backendState === 'up') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('backend', onState);
        reject(new Error(`backend of interlay ${this.id} not up within ${timeoutMs} ms (${this.backendState})`));
      }, timeoutMs);
      const onState = () => {
        if (this.backendState !== 'up') return;
        clearTimeout(timer);
        this.off('backend', onState);
        resolve();
      };
      this.on('backend', onState);
    });
  }

  private housekeeping(): void {
    this.engine.housekeeping();
    if (++this.ticks % (1000 / HOUSEKEEPING_MS) === 0) {
      this.engine.counters.tick(Date.now());
      for (const l of this.engine.router.mirror.allLinks()) l.latency.tick();
    }
  }

  private onConnection(accepted: net.Socket): void {
    let sock = accepted;
    const e = this.engine;
    const c = e.counters;
    if (this.statusValue !== 'listening') {
      sock.destroy();
      return;
    }
    const onError = (err: NodeJS.ErrnoException) => this.log.debug({ reason: err.code ?? err.message }, 'client socket error');
    if (e.sessions.size >= this.settings.max_concurrent_connections) {
      sock.on('error', onError);
      c.connRefused++;
      c.errors.max_clients++;
      // As Redis does: the error, then the connection closes (its descriptor goes at once).
      sock.resume();
      sock.end(MAX_CLIENTS_REPLY, () => sock.destroy());
      return;
    }
    // Plain TCP clients are read into the shared read buffer (io.ts); TLS ones by 'data' events.
    const onChunk = (buf: Buffer, start: number, end: number) => session.onInput(buf, start, end);
    const adopted = sock instanceof tls.TLSSocket ? null : adoptAccepted(sock, onChunk);
    if (adopted !== null) sock = adopted;
    else onDataEvents(sock, onChunk);
    sock.on('error', onError);
    sock.setNoDelay(true);
    const session = new Session(e, sock, e.newSessionId());
    sock.on('end', () => session.onInputEnd());
    e.sessions.add(session);
    c.connTotal++;
    c.connCurrent = e.sessions.size;
    if (c.connCurrent > c.connPeak) c.connPeak = c.connCurrent;
    sock.on('close', () => {
      session.onClosed();
      e.sessions.delete(session);
      c.connCurrent = e.sessions.size;
    });
  }

  async stop(opts: { drainTimeoutMs?: number } = {}): Promise<void> {
    if (this.statusValue === 'stopped' || this.statusValue === 'failed') {
      this.cleanup();
      if (this.statusValue === 'failed') this.setStatus('stopped');
      return;
    }
    this.setStatus('draining');
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    const e = this.engine;
    // Blocked and subscribed clients never finish on their own: close them now.
    for (const s of e.sessions) if (s.blocking > 0 || s.subscribed || s.monitor || s.inflight === 0) s.endAfterFlush();
    const deadline = Date.now() + (opts.drainTimeoutMs ?? DEFAULT_DRAIN_MS);
    while (e.sessions.size > 0 && Date.now() < deadline) {
      for (const s of e.sessions) if (s.inflight === 0 || s.blocking > 0) s.endAfterFlush();
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const s of e.sessions) s.socket.destroy();
    await closed;
    this.cleanup();
    this.setStatus('stopped');
  }

  private cleanup(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.engine.close();
  }

  updateSettings(patch: Partial<InterlaySettings>): void {
    const next = { ...this.settings, ...patch };
    if ('auth' in patch && patch.auth === undefined) delete next.auth;
    this.settings = next;
    this.engine.applySettings(next);
    if (patch.bind_address !== undefined || patch.tls !== undefined) {
      this.log.info({}, 'bind_address and tls changes apply at the next start');
    }
  }

  metrics(): InterlayMetrics {
    const e = this.engine;
    const c = e.counters;
    const [p50, p99] = c.proxyLatency.percentiles([0.5, 0.99]);
    const [b50, b99] = c.backendLatency.percentiles([0.5, 0.99]);
    return {
      at: Date.now(),
      status: this.statusValue,
      connections: { current: c.connCurrent, peak: c.connPeak, refused: c.connRefused, total: c.connTotal },
      ops: { total: c.ops, per_sec: c.perSec },
      commands: c.topCommands(20),
      categories: c.categories(),
      latency_us: { proxy: { p50, p99 }, backend: { p50: b50, p99: b99 } },
      bytes: { in: c.bytesIn, out: c.bytesOut },
      errors: { ...c.errors },
      backend: this.statusValue === 'listening' || this.statusValue === 'draining' ? e.backendSummary() : { connected: 0, state: 'down' },
      ...this.liveMetrics(),
    };
  }

  private liveMetrics(): Pick<InterlayMetrics, 'routing' | 'upstreams' | 'mirror' | 'shadow'> {
    const r = this.engine.router;
    const spec = this.routingSpec;
    const now = performance.now();
    const at = Date.now();
    const primary = r.primary;
    const ups: InterlayMetrics['upstreams'] = [];
    const running = this.statusValue === 'listening' || this.statusValue === 'draining';
    const add = (name: string, up: { summary(): { connected: number; state: 'up' | 'down' | 'reconnecting' } } | null, role: 'primary' | 'secondary' | 'mirror') => {
      if (up === null) return;
      const s = running ? up.summary() : { connected: 0, state: 'down' as const };
      ups.push({ name, role, state: s.state, connected: s.connected });
    };
    add('source', r.source, primary === r.source ? 'primary' : 'secondary');
    add('target', r.target, primary === r.target ? 'primary' : 'secondary');
    for (const [name, up] of r.mirrorUps) add(name, up, 'mirror');
    const co = r.coordinator.stats();
    const links = r.mirror.allLinks().map((l) => {
      const prev = this.linkOps.get(l.name);
      let rate = prev?.rate ?? 0;
      if (prev === undefined || at - prev.at >= 1000) {
        if (prev !== undefined) rate = Math.round(((l.ops - prev.ops) * 1000) / (at - prev.at));
        this.linkOps.set(l.name, { ops: l.ops, at, rate });
      }
      const [p50, p99] = l.latency.percentiles([0.5, 0.99]);
      return {
        name: l.name,
        ops_total: l.ops,
        ops_per_sec: rate,
        latency_us: { p50, p99 },
        failures: l.failures,
        divergences: l.divergences,
        overflows: l.overflows,
        queue_depth: l.inflight,
        lag_ms: Math.round(l.lagMs(now)),
        in_sync: !l.outOfSync,
        lost_data: l.lostData,
      };
    });
    const sh = r.shadow;
    return {
      routing: {
        stage: spec.stage,
        policy: spec.policy,
        canary_percent: spec.canaryPercent,
        shadow_sample_rate: spec.shadowSampleRate,
        switching: r.holding,
        switches: r.switches,
      },
      upstreams: ups,
      mirror: {
        replayed_total: r.mirror.mirrored,
        by_state_total: r.mirror.byState,
        links,
        syncs: {
          pending: co.pendingSyncs,
          running: r.syncer.running,
          completed: r.syncer.completed,
          failed: r.syncer.failed,
          conflicts: co.conflicts,
          copy_overlaps: co.copyOverlaps,
        },
      },
      shadow: { sampled: sh.sampled, compared: sh.compared, divergent: sh.divergent, divergence_rate: sh.rate },
    };
  }
}

function describeListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (EADDRINUSE)`;
    case 'EACCES':
      return `permission denied to listen on ${host}:${port} (EACCES)`;
    case 'EADDRNOTAVAIL':
      return `address ${host} is not available on this host (EADDRNOTAVAIL)`;
    default:
      return `cannot listen on ${host}:${port}: ${err.message}${err.code ? ` (${err.code})` : ''}`;
  }
}
