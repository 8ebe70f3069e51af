/**
 * The proxy engine behind an Interlay: its upstreams (backend pools), sessions, the
 * once-per-turn write coalescing, timers (idle clients, command timeouts, metrics windows)
 * and interlay auth. Internal: hosts use `Interlay`.
 */
import { timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@/lib/logger';
import type { RespLimits } from '@/lib/resp';
import type { BackendConn, ServerInfo } from './backend';
import { CommandPolicy } from './command-policy';
import { InterlayCounters } from './metrics';
import type { MirrorClient, MirrorError } from './mirror';
import { LiveRouter, type RouterHost, type RoutedSession } from './routing';
import { credentialDigest, type Session } from './session';
import type { BackendTarget, InterlaySettings, RoutingPolicy } from './types';
import { Upstream } from './upstream';

/**
 * Session ids start here, so that an id the interlay hands out (HELLO, CLIENT LIST) can
 * never be mistaken for a backend connection's CLIENT ID, which Redis counts up from 1.
 * A session pinned to a connection of its own reports that connection's real id instead.
 */
export const SESSION_ID_BASE = 1_000_000_000_000_000;

/** flushClients modes: the check phase, after a backend read, everything now. */
const FLUSH_TURN = 0;
const FLUSH_BACKEND_READ = 1;
const FLUSH_FORCE = 2;
/** Upper bound on how long partial pipeline replies are held back (ms). */
const HOLD_MAX_MS = 1;

export class Engine implements RouterHost {
  readonly counters = new InterlayCounters();
  readonly sessions = new Set<Session>();
  /** The backend clients' traffic goes to (the migration's source). */
  readonly source: Upstream;
  /** Coarse wall clock (ms), refreshed by the housekeeping timer: cheap "last active" stamps. */
  clock = Date.now();
  readonly defaultDb: number;
  /** The interlay's own address, as clients see it (CLIENT LIST laddr, INFO tcp_port). */
  listenPort = 0;
  /** Administrative and destructive commands refused unless allowlisted (rebuilt when settings change). */
  commands: CommandPolicy;
  /** Stage, policy, target and mirrors: where commands go (routing.ts). */
  readonly router: LiveRouter;
  /** Sessions waiting for a switch, a barrier or a key lock to end. */
  private readonly held = new Set<Session>();
  /** Reports keys the mirror failed or diverged on (the host keeps them as error keys). */
  onMirrorError: (e: MirrorError) => void = () => undefined;

  // Dirty lists keep a count instead of setting `length` (a runtime call on a hot path).
  private readonly dirtyBackends: (BackendConn | null)[] = [];
  private nDirtyBackends = 0;
  private readonly dirtyClients: (Session | null)[] = [];
  private nDirtyClients = 0;
  private scheduled = false;
  private readonly flushBound = () => this.flushAll();
  /** Sessions holding partial pipeline replies (see `flushClients`) are released by this at the latest. */
  private holdTimer: NodeJS.Timeout | null = null;
  private readonly releaseBound = () => {
    this.holdTimer = null;
    this.flushClients(FLUSH_FORCE);
  };
  private readonly drainWaiters = new Map<BackendConn, Set<Session>>();
  private nextId = SESSION_ID_BASE + 1;
  private onStateChange: () => void = () => undefined;

  constructor(
    readonly backend: BackendTarget,
    poolSize: number,
    public settings: InterlaySettings,
    public policy: RoutingPolicy,
    readonly limits: Partial<RespLimits> | undefined,
    readonly log: Logger,
  ) {
    this.defaultDb = backend.db;
    this.source = new Upstream('source', backend, poolSize, this, limits, log);
    this.commands = new CommandPolicy(settings.command_allowlist);
    this.router = new LiveRouter(this, this.source, poolSize, limits);
  }

  // ---- RouterHost ----------------------------------------------------------------------------

  sessionsForSwitch(): Iterable<RoutedSession> {
    return this.sessions;
  }

  /** A session's command waits for `wake` (the session queued it). */
  hold(s: Session): void {
    this.held.add(s);
  }

  wake(): void {
    if (this.held.size === 0) return;
    const list = [...this.held];
    this.held.clear();
    for (const s of list) s.resumeHeld();
  }

  onUpstreamRestart(up: Upstream): void {
    this.router.onUpstreamRestart(up);
  }

  wakeOne(s: RoutedSession): void {
    const session = s as Session;
    if (this.held.delete(session)) session.resumeHeld();
  }

  deliver(session: MirrorClient, reply: Buffer): void {
    (session as Session).onJoined(reply);
  }

  mirrorError(e: MirrorError): void {
    this.counters.errors.mirror++;
    this.onMirrorError(e);
  }

  /** canary: whether this connection's reads are served by the target (sticky per connection). */
  isCanary(sessionId: number): boolean {
    const pct = this.router.spec.canaryPercent;
    if (pct <= 0) return false;
    if (pct >= 100) return true;
    // A spread of the session id (ids are consecutive): the same connection always lands the same way.
    return (Math.imul(sessionId % 0x7fffffff, 0x9e3779b1) >>> 0) % 100 < pct;
  }

  /** Applies changed settings to live sessions (auth re-checked, command policy rebuilt). */
  applySettings(settings: InterlaySettings): void {
    this.settings = settings;
    this.commands = new CommandPolicy(settings.command_allowlist);
    this.recheckAuth();
  }

  get serverInfo(): ServerInfo | undefined {
    return this.source.serverInfo;
  }

  /** Opens the source's RESP2 pool (the RESP3 pool opens when the first RESP3 client arrives). */
  start(onStateChange: () => void): void {
    this.onStateChange = onStateChange;
    this.source.start();
  }

  newSessionId(): number {
    return this.nextId++;
  }

  private groups = 1;

  /** Connection group numbers (0: none, 1: the coordinator's sync reads). */
  nextGroup(): number {
    return ++this.groups;
  }

  /**
   * The session a client id names: a session's own id, or the backend id of the connection
   * it holds (pinned sessions report that one). Null when the id is no session of this interlay.
   */
  findSession(id: number): Session | null {
    for (const s of this.sessions) if (s.id === id || (s.backendId >= 0 && s.backendId === id)) return s;
    return null;
  }

  /** Clients must AUTH unless the interlay explicitly serves unauthenticated ones. */
  get authRequired(): boolean {
    return this.settings.allow_unauthenticated !== true;
  }

  /** Whether the interlay answers AUTH for this user itself (otherwise the backend is asked). */
  hasLocalUser(user: string): boolean {
    const a = this.settings.auth;
    if (a === undefined) return false;
    if (user === 'default' && !!a.password) return true;
    return (a.users ?? []).some((u) => u.username === user);
  }

  checkCredentials(user: string, pass: Buffer): boolean {
    const a = this.settings.auth;
    if (a === undefined) return false;
    if (user === 'default' && a.password && equal(pass, a.password)) return true;
    for (const u of a.users ?? []) if (u.username === user && equal(pass, u.password)) return true;
    return false;
  }

  /** After auth settings changed: sessions whose credentials no longer hold must AUTH again. */
  recheckAuth(): void {
    const required = this.authRequired;
    const valid = new Set<string>();
    const a = this.settings.auth;
    if (a?.password) valid.add(credentialDigest('default', a.password).toString('hex'));
    for (const u of a?.users ?? []) valid.add(credentialDigest(u.username, u.password).toString('hex'));
    for (const s of this.sessions) s.recheckAuth(required, valid);
  }

  onBackendState(): void {
    this.onStateChange();
  }

  // ---- Write coalescing ----------------------------------------------------------------

  markBackendDirty(c: BackendConn): void {
    this.dirtyBackends[this.nDirtyBackends++] = c;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  markClientDirty(s: Session): void {
    this.dirtyClients[this.nDirtyClients++] = s;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushBound);
    }
  }

  /**
   * Runs in the check phase, after every socket read of this loop turn: all commands read
   * from all clients go to the backend in one write per conn (what makes one shared
   * pipelined conn cheap for Redis), and replies gathered per client go out in one write.
   */
  private flushAll(): void {
    this.scheduled = false;
    const now = performance.now();
    const b = this.dirtyBackends;
    for (let i = 0; i < this.nDirtyBackends; i++) {
      const conn = b[i]!;
      b[i] = null;
      conn.flush(now);
    }
    this.nDirtyBackends = 0;
    this.flushClients(FLUSH_TURN);
  }

  /** After each backend read: the replies it completed go out (see flushClients). */
  afterBackendRead(): void {
    this.flushClients(FLUSH_BACKEND_READ);
  }

  /**
   * Writes the replies gathered per client. After a backend read, a client that still waits
   * for more replies of its pipeline on a shared conn is held back once (`Session.holdable`):
   * Redis answers a big shared pipeline over several reads, so a client's pipeline often
   * completes one backend read later, and one write (one wake-up of the client) instead of
   * two is cheaper for everyone. A held client goes out at the next backend read, or after
   * HOLD_MAX_MS at the latest; not in the check phase, which comes too soon to help.
   */
  flushClients(mode: number = FLUSH_FORCE): void {
    const c = this.dirtyClients;
    let kept = 0;
    // Read the count every time: a flush may mark more clients dirty.
    for (let i = 0; i < this.nDirtyClients; i++) {
      const s = c[i]!;
      c[i] = null;
      if (mode !== FLUSH_FORCE) {
        if (s.held) {
          if (mode === FLUSH_TURN) {
            c[kept++] = s;
            continue;
          }
        } else if (mode === FLUSH_BACKEND_READ && s.holdable()) {
          s.held = true;
          c[kept++] = s;
          continue;
        }
      }
      s.flush();
    }
    this.nDirtyClients = kept;
    if (kept > 0 && this.holdTimer === null) this.holdTimer = setTimeout(this.releaseBound, HOLD_MAX_MS);
  }

  waitForDrain(c: BackendConn, s: Session): void {
    let set = this.drainWaiters.get(c);
    if (set === undefined) this.drainWaiters.set(c, (set = new Set()));
    set.add(s);
  }

  onBackendDrain(c: BackendConn): void {
    const set = this.drainWaiters.get(c);
    if (set === undefined) return;
    this.drainWaiters.delete(c);
    for (const s of set) s.resumeInput();
  }

  // ---- Housekeeping ----------------------------------------------------------------------

  /** Every ~250 ms: clock, command timeouts, idle clients. */
  housekeeping(): void {
    this.clock = Date.now();
    const now = performance.now();
    this.source.housekeeping(now, this.clock);
    this.router.target?.housekeeping(now, this.clock);
    for (const up of this.router.mirrorUps.values()) up.housekeeping(now, this.clock);
    this.router.syncer.pump();
    const idleS = this.settings.idle_timeout_s;
    if (idleS > 0) {
      const cutoff = this.clock - idleS * 1000;
      for (const s of this.sessions) {
        if (s.lastActive < cutoff && s.idleClosable) {
          this.log.debug({ client: s.id }, 'closing idle client');
          s.socket.destroy();
        }
      }
    }
  }

  backendSummary(): { connected: number; state: 'up' | 'down' | 'reconnecting' } {
    return this.source.summary();
  }

  /** Closes every backend conn (after the sessions are gone). */
  close(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.router.close();
    this.source.close();
  }
}

function equal(given: Buffer, expected: string): boolean {
  const e = Buffer.from(expected);
  // Compare digests so the length of the secret does not leak through timing either.
  return timingSafeEqual(credentialDigest('', given), credentialDigest('', e));
}
