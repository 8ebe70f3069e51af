/**
 * The proxy engine behind an Interlay: backend pools, sessions, the once-per-turn write
 * coalescing, timers (idle clients, command timeouts, metrics windows) and interlay auth.
 * Internal: hosts use `Interlay`.
 */
import { timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@/lib/logger';
import type { RespLimits } from '@/lib/resp';
import { BackendConn, type ServerInfo } from './backend';
import { InterlayCounters } from './metrics';
import { credentialDigest, type Session } from './session';
import type { BackendTarget, InterlaySettings, RoutingPolicy } from './types';

/** Idle dedicated conns kept per protocol for the next blocking call or transaction. */
const IDLE_DEDICATED_MAX = 8;
/** flushClients modes: the check phase, after a backend read, everything now. */
const FLUSH_TURN = 0;
const FLUSH_BACKEND_READ = 1;
const FLUSH_FORCE = 2;
/** Upper bound on how long partial pipeline replies are held back (ms). */
const HOLD_MAX_MS = 1;

export class Engine {
  readonly counters = new InterlayCounters();
  readonly sessions = new Set<Session>();
  serverInfo: ServerInfo | undefined;
  /** Coarse wall clock (ms), refreshed by the housekeeping timer: cheap "last active" stamps. */
  clock = Date.now();
  readonly defaultDb: number;

  private readonly pools: (BackendConn[] | null)[] = [null, null];
  private readonly idle: BackendConn[][] = [[], []];
  private readonly dedicatedConns = new Set<BackendConn>();
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
  private nextId = 1;
  private stopped = false;
  private onStateChange: () => void = () => undefined;

  constructor(
    readonly backend: BackendTarget,
    private readonly poolSize: number,
    public settings: InterlaySettings,
    public policy: RoutingPolicy,
    readonly limits: Partial<RespLimits> | undefined,
    readonly log: Logger,
  ) {
    this.defaultDb = backend.db;
  }

  /** Opens the RESP2 pool (the RESP3 pool opens when the first RESP3 client arrives). */
  start(onStateChange: () => void): void {
    this.onStateChange = onStateChange;
    this.pool(2);
  }

  newSessionId(): number {
    return this.nextId++;
  }

  get authRequired(): boolean {
    const a = this.settings.auth;
    return a !== undefined && (!!a.password || (a.users?.length ?? 0) > 0);
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
    for (const s of this.sessions) {
      if (!required) s.authed = true;
      else s.authed = s.authDigest !== null && valid.has(s.authDigest.toString('hex'));
    }
  }

  private pool(proto: 2 | 3): BackendConn[] {
    let p = this.pools[proto - 2];
    if (p === null) {
      p = [];
      for (let i = 0; i < this.poolSize; i++) {
        const c = new BackendConn(this, proto, false, this.backend, this.limits);
        p.push(c);
        c.connect();
      }
      this.pools[proto - 2] = p;
    }
    return p;
  }

  /** The shared conn a session uses for a protocol: fixed per session, so its replies stay in order. */
  sharedConn(proto: 2 | 3, sessionId: number): BackendConn {
    const p = this.pool(proto);
    return p[sessionId % p.length];
  }

  acquireDedicated(owner: Session, proto: 2 | 3): BackendConn {
    const idle = this.idle[proto - 2];
    let c: BackendConn | undefined;
    while ((c = idle.pop()) !== undefined) if (c.accepting) break;
    if (c === undefined) {
      c = new BackendConn(this, proto, true, this.backend, this.limits);
      c.connect();
    }
    c.owner = owner;
    this.dedicatedConns.add(c);
    return c;
  }

  /** Back to the idle list when clean (no state, nothing pending), closed otherwise. */
  releaseDedicated(c: BackendConn, clean: boolean): void {
    c.owner = null;
    const idle = this.idle[c.proto - 2];
    if (clean && !c.tainted && c.accepting && c.count === 0 && !this.stopped && idle.length < IDLE_DEDICATED_MAX) {
      idle.push(c);
      return;
    }
    this.dedicatedConns.delete(c);
    c.close();
  }

  onDedicatedClosed(c: BackendConn): void {
    this.dedicatedConns.delete(c);
    for (const idle of this.idle) {
      const i = idle.indexOf(c);
      if (i >= 0) idle.splice(i, 1);
    }
  }

  onBackendState(): void {
    this.onStateChange();
  }

  setServerInfo(info: ServerInfo): void {
    this.serverInfo = info;
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
    const limit = this.backend.commandTimeoutMs;
    if (limit > 0) {
      for (const p of this.pools) {
        if (p === null) continue;
        for (const c of p) if (c.oldestAge(now) > limit) c.fail(`no reply within ${limit} ms`, 'timeout');
      }
      for (const c of this.dedicatedConns) {
        const o = c.owner;
        if (o !== null && (o.subscribed || o.monitor)) continue;
        if (c.oldestAge(now) > limit) c.fail(`no reply within ${limit} ms`, 'timeout');
      }
    }
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
    let connected = 0;
    let total = 0;
    let accepting = 0;
    for (const p of this.pools) {
      if (p === null) continue;
      for (const c of p) {
        total++;
        if (c.ready) connected++;
        if (c.accepting) accepting++;
      }
    }
    for (const c of this.dedicatedConns) if (c.ready) connected++;
    let state: 'up' | 'down' | 'reconnecting';
    const sharedReady = this.pools.every((p) => p === null || p.every((c) => c.ready));
    if (total > 0 && sharedReady) state = 'up';
    else if (accepting > 0) state = 'reconnecting';
    else state = total === 0 ? 'down' : 'reconnecting';
    // Between attempts every shared conn is 'down': report down, the conns keep retrying.
    if (total > 0 && accepting === 0) state = 'down';
    return { connected, state };
  }

  /** Closes every backend conn (after the sessions are gone). */
  close(): void {
    this.stopped = true;
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    for (const p of this.pools) if (p !== null) for (const c of p) c.close();
    this.pools[0] = this.pools[1] = null;
    for (const c of this.dedicatedConns) c.close();
    this.dedicatedConns.clear();
    for (const idle of this.idle) {
      for (const c of idle) c.close();
      idle.length = 0;
    }
  }
}

function equal(given: Buffer, expected: string): boolean {
  const e = Buffer.from(expected);
  // Compare digests so the length of the secret does not leak through timing either.
  return timingSafeEqual(credentialDigest('', given), credentialDigest('', e));
}
