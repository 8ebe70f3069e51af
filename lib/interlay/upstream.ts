/**
 * One backend Redis as the interlay uses it: its shared pools, its dedicated connections,
 * its health and what it told us about itself (INFO server). Today an interlay has one
 * upstream (the source); the live-migration stages add the target and mirror targets, each
 * its own Upstream, and a Redis Cluster front adds one per node.
 *
 * Pools are per (protocol, identity). The endpoint's own identity (its stored
 * credentials) serves clients the interlay authenticated itself, or all clients when the
 * interlay has no client authentication. A client that authenticated against the backend
 * (`AUTH user pass` checked by the backend itself) gets pools of its own identity, so its
 * commands run with exactly its ACL permissions; those pools are opened on first use and
 * closed when no session has used them for IDENTITY_POOL_IDLE_MS.
 */
import type { Logger } from '@/lib/logger';
import type { RespLimits } from '@/lib/resp';
import {
  BackendConn,
  ENDPOINT_IDENTITY,
  PROBE_IDENTITY,
  type ConnHost,
  type ConnOwner,
  type Identity,
  type ServerInfo,
} from './backend';
import type { InterlayCounters } from './metrics';
import type { BackendTarget } from './types';

/** Idle dedicated conns kept per (protocol, identity) for the next blocking call or transaction. */
const IDLE_DEDICATED_MAX = 8;
/** A client identity's pools close after this long without a session using them. */
const IDENTITY_POOL_IDLE_MS = 30_000;

/** What an Upstream needs from the engine that hosts it (write coalescing, client flushes). */
export interface UpstreamHost {
  readonly counters: InterlayCounters;
  markBackendDirty(c: BackendConn): void;
  afterBackendRead(): void;
  onBackendDrain(c: BackendConn): void;
  flushClients(): void;
  onBackendState(): void;
  nextGroup(): number;
  /** The server behind an upstream restarted (its run_id changed). */
  onUpstreamRestart(up: Upstream): void;
}

interface Pool {
  readonly identity: Identity;
  /** One array per protocol (index proto - 2), opened on first use. */
  readonly conns: (BackendConn[] | null)[];
  /** Sessions bound to this identity. */
  refs: number;
  /** When refs last dropped to 0 (engine clock ms). */
  unusedSince: number;
}

export type UpstreamState = 'up' | 'down' | 'reconnecting';

export class Upstream implements ConnHost {
  serverInfo: ServerInfo | undefined;
  /** Restarts seen (run_id changes) since the upstream opened. */
  restarts = 0;
  /** Client sessions subscribed (pub/sub) over a connection of this upstream. */
  subscribers = 0;
  readonly log: Logger;
  private readonly pools = new Map<string, Pool>();
  private readonly idle = new Map<string, BackendConn[]>();
  private readonly dedicatedConns = new Set<BackendConn>();
  private stopped = false;

  constructor(
    readonly name: string,
    readonly target: BackendTarget,
    private readonly poolSize: number,
    private readonly host: UpstreamHost,
    private readonly limits: Partial<RespLimits> | undefined,
    log: Logger,
  ) {
    this.log = log.child({ upstream: name });
  }

  get counters(): InterlayCounters {
    return this.host.counters;
  }

  /** Opens the endpoint identity's RESP2 pool (RESP3 opens when the first RESP3 client arrives). */
  start(): void {
    this.sharedConn(2, ENDPOINT_IDENTITY, 0);
  }

  private pool(identity: Identity): Pool {
    let p = this.pools.get(identity.key);
    if (p === undefined) {
      p = { identity, conns: [null, null], refs: 0, unusedSince: 0 };
      this.pools.set(identity.key, p);
    }
    return p;
  }

  /** The shared conn a session uses: fixed per session and protocol, so its replies stay in order. */
  sharedConn(proto: 2 | 3, identity: Identity, sessionId: number): BackendConn {
    const p = this.pool(identity);
    let conns = p.conns[proto - 2];
    if (conns === null) {
      conns = [];
      for (let i = 0; i < this.poolSize; i++) {
        const c = new BackendConn(this, proto, false, this.target, this.limits, identity);
        conns.push(c);
        c.connect();
      }
      p.conns[proto - 2] = conns;
    }
    return conns[sessionId % conns.length];
  }

  /**
   * The endpoint identity's shared connection with this group number, when it is ready: a
   * state sync may read a key on it, in order with the writes in flight there (it has the
   * rights the copier has).
   */
  sharedByGroup(group: number): BackendConn | null {
    const p = this.pools.get('');
    if (p === undefined) return null;
    for (const conns of p.conns) {
      if (conns === null) continue;
      for (const c of conns) if (c.group === group) return c.ready ? c : null;
    }
    return null;
  }

  /** Why the endpoint identity's pool is not up, for messages. */
  lastError(): string {
    for (const conns of this.pools.get('')?.conns ?? []) for (const c of conns ?? []) if (c.lastError) return c.lastError;
    return '';
  }

  /** A session starts using a client identity (keeps its pools open). */
  retain(identity: Identity): void {
    if (identity.key !== '') this.pool(identity).refs++;
  }

  /** A session stops using a client identity. */
  release(identity: Identity, clock: number): void {
    if (identity.key === '') return;
    const p = this.pools.get(identity.key);
    if (p !== undefined && --p.refs === 0) p.unusedSince = clock;
  }

  acquireDedicated(owner: ConnOwner, proto: 2 | 3, identity: Identity): BackendConn {
    const idle = this.idle.get(`${proto}|${identity.key}`);
    let c: BackendConn | undefined;
    if (idle !== undefined) while ((c = idle.pop()) !== undefined) if (c.accepting) break;
    if (c === undefined) {
      c = new BackendConn(this, proto, true, this.target, this.limits, identity);
      c.connect();
    }
    c.owner = owner;
    this.dedicatedConns.add(c);
    return c;
  }

  /**
   * A connection without AUTH or SELECT that carries one client's `AUTH` to the backend, so
   * the backend itself says whether the credentials hold. Closed when released.
   */
  probe(owner: ConnOwner): BackendConn {
    const c = this.acquireDedicated(owner, 2, PROBE_IDENTITY);
    c.tainted = true;
    return c;
  }

  /** Back to the idle list when clean (no state, nothing pending), closed otherwise. */
  releaseDedicated(c: BackendConn, clean: boolean): void {
    c.owner = null;
    const key = `${c.proto}|${c.identity.key}`;
    let idle = this.idle.get(key);
    if (clean && !c.tainted && c.accepting && c.count === 0 && !this.stopped && (idle?.length ?? 0) < IDLE_DEDICATED_MAX) {
      if (idle === undefined) this.idle.set(key, (idle = []));
      idle.push(c);
      return;
    }
    this.dedicatedConns.delete(c);
    c.close();
  }

  /** Idle dedicated conns kept for reuse (tests account for their descriptors). */
  get idleDedicated(): number {
    let n = 0;
    for (const l of this.idle.values()) n += l.length;
    return n;
  }

  // ---- ConnHost ----------------------------------------------------------------------------

  setServerInfo(info: ServerInfo): void {
    const before = this.serverInfo?.runId;
    this.serverInfo = info;
    if (before !== undefined && before !== '' && info.runId !== '' && before !== info.runId) {
      this.restarts++;
      this.log.warn({ before, after: info.runId }, 'backend restarted (run_id changed): what it held only in memory may be gone');
      this.host.onUpstreamRestart(this);
    }
  }

  markBackendDirty(c: BackendConn): void {
    this.host.markBackendDirty(c);
  }

  afterBackendRead(): void {
    this.host.afterBackendRead();
  }

  onBackendDrain(c: BackendConn): void {
    this.host.onBackendDrain(c);
  }

  onBackendState(): void {
    this.host.onBackendState();
  }

  flushClients(): void {
    this.host.flushClients();
  }

  nextGroup(): number {
    return this.host.nextGroup();
  }

  onDedicatedClosed(c: BackendConn): void {
    this.dedicatedConns.delete(c);
    for (const idle of this.idle.values()) {
      const i = idle.indexOf(c);
      if (i >= 0) idle.splice(i, 1);
    }
  }

  // ---- Housekeeping ------------------------------------------------------------------------

  /** Every ~250 ms: command timeouts, and client identities' pools nobody uses any more. */
  housekeeping(now: number, clock: number): void {
    const limit = this.target.commandTimeoutMs;
    if (limit > 0) {
      for (const p of this.pools.values()) {
        for (const conns of p.conns) {
          if (conns === null) continue;
          for (const c of conns) if (c.oldestAge(now) > limit) c.fail(`no reply within ${limit} ms`, 'timeout');
        }
      }
      for (const c of this.dedicatedConns) {
        const o = c.owner;
        // Subscribers, monitors and tunnels wait for the server by design.
        if (o !== null && !o.timesOut) continue;
        if (c.oldestAge(now) > limit) c.fail(`no reply within ${limit} ms`, 'timeout');
      }
    }
    for (const [key, p] of this.pools) {
      if (key === '' || p.refs > 0 || clock - p.unusedSince < IDENTITY_POOL_IDLE_MS) continue;
      this.pools.delete(key);
      for (const conns of p.conns) if (conns !== null) for (const c of conns) c.close();
      for (const proto of [2, 3]) {
        const idle = this.idle.get(`${proto}|${key}`);
        if (idle === undefined) continue;
        this.idle.delete(`${proto}|${key}`);
        for (const c of idle) {
          this.dedicatedConns.delete(c);
          c.close();
        }
      }
    }
  }

  /** Health of the endpoint identity's shared pools: what the interlay reports as its backend state. */
  summary(): { connected: number; state: UpstreamState } {
    let connected = 0;
    let total = 0;
    let accepting = 0;
    let allReady = true;
    const p = this.pools.get('');
    for (const conns of p?.conns ?? []) {
      if (conns === null) continue;
      for (const c of conns) {
        total++;
        if (c.ready) connected++;
        else allReady = false;
        if (c.accepting) accepting++;
      }
    }
    for (const q of this.pools.values()) {
      if (q === p) continue;
      for (const conns of q.conns) if (conns !== null) for (const c of conns) if (c.ready) connected++;
    }
    for (const c of this.dedicatedConns) if (c.ready) connected++;
    let state: UpstreamState;
    if (total > 0 && allReady) state = 'up';
    // Between attempts every shared conn is 'down': report down, the conns keep retrying.
    else if (total === 0 || accepting === 0) state = 'down';
    else state = 'reconnecting';
    return { connected, state };
  }

  /** Closes every connection (after the sessions are gone). */
  close(): void {
    this.stopped = true;
    for (const p of this.pools.values()) for (const conns of p.conns) if (conns !== null) for (const c of conns) c.close();
    this.pools.clear();
    for (const c of this.dedicatedConns) c.close();
    this.dedicatedConns.clear();
    for (const idle of this.idle.values()) for (const c of idle) c.close();
    this.idle.clear();
  }
}
