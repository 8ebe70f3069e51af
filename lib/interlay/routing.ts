/**
 * The live path of an interlay: its traffic stage and write-consistency policy, the
 * upstreams it writes (source, target, mirror targets), the mirror links between them, the
 * KeyCoordinator, state syncs and shadow reads. The session stays the client-protocol state
 * machine; it asks the router where a command goes and hands it mirrored writes.
 *
 * Changing the routing is a `RoutingSpec` applied live. A change of the primary side (into
 * or out of target_primary/target), or of whether and where writes are mirrored, goes
 * through a *quiesce*: new commands are held (clients wait, nothing is refused or
 * dropped), blocked calls on the old primary are released with their timeout reply,
 * transactions in progress finish (or, past a grace period, are aborted as a WATCH
 * conflict would), and every write already sent is answered and applied everywhere; then
 * the routing flips and the held commands run under the new stage. Each command is thus
 * routed wholly under one stage, in order.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '@/lib/logger';
import { KeyCoordinator, type PendingSync, type SyncReason } from '@/lib/migration/coordinator';
import {
  mirrors as stageMirrors,
  primaryOf,
  repairSource,
  writesSource,
  type Side,
  type Stage,
  type WriteConsistency,
} from '@/lib/migration/stages';
import type { RespLimits } from '@/lib/resp';
import { ENDPOINT_IDENTITY, type BackendConn } from './backend';
import { WindowedHistogram } from './metrics';
import { MirrorLink, Mirrorer, type MirrorClient, type MirrorError, type MirrorHost } from './mirror';
import { ShadowReads } from './shadow';
import { SyncWorker, type SyncHost } from './sync';
import type { BackendTarget } from './types';
import { Upstream, type UpstreamHost } from './upstream';

export interface RoutingSpec {
  stage: Stage;
  policy: WriteConsistency;
  /** Required for every stage but `source`. */
  target: BackendTarget | null;
  mirrors: { name: string; target: BackendTarget }[];
  /** canary: the share of client connections (0-100) whose reads the target serves. */
  canaryPercent: number;
  /** shadow: the share of reads (0-1) also sent to the target and compared. */
  shadowSampleRate: number;
}

export const SOURCE_ONLY: RoutingSpec = Object.freeze({
  stage: 'source',
  policy: 'SourceAuthoritative',
  target: null,
  mirrors: [],
  canaryPercent: 0,
  shadowSampleRate: 0,
}) as RoutingSpec;

/** What the router needs from the engine. */
export interface RouterHost extends UpstreamHost {
  readonly log: Logger;
  /** Sessions, to quiesce them. */
  sessionsForSwitch(): Iterable<RoutedSession>;
  /** Held sessions may go on. */
  wake(): void;
  /** One held session may go on (a barrier's owner), the others stay held. */
  wakeOne(s: RoutedSession): void;
  deliver(session: MirrorClient, reply: Buffer): void;
  mirrorError(e: MirrorError): void;
}

/** What the router sees of a session while switching. */
export interface RoutedSession {
  readonly closed: boolean;
  readonly inflight: number;
  readonly blocking: number;
  readonly busyInTransaction: boolean;
  /** The backend id of the dedicated connection it is blocked on, and that connection's upstream. */
  blockedOn(): { id: number; upstream: Upstream } | null;
  /** The primary changes: state that cannot follow (pinned modes) ends the session; db and the rest move. */
  onPrimaryChange(graceOver: boolean): void;
}

/** How long a primary switch waits for transactions in progress before aborting them. */
const TX_GRACE_MS = 2000;

export class LiveRouter implements MirrorHost, SyncHost {
  spec: RoutingSpec = SOURCE_ONLY;
  /** Bumped on every applied change; sessions refresh their routing when it moves. */
  epoch = 0;
  /** New commands wait while a switch or a barrier quiesces. */
  holding = false;
  primary: Upstream;
  target: Upstream | null = null;
  readonly mirrorUps = new Map<string, Upstream>();
  readonly coordinator = new KeyCoordinator();
  readonly mirror: Mirrorer;
  readonly syncer: SyncWorker;
  readonly shadow: ShadowReads;
  private sourceLink: MirrorLink | null = null;
  private targetLink: MirrorLink | null = null;
  private readonly mirrorLinks = new Map<string, MirrorLink>();
  readonly log: Logger;
  switches = 0;
  /** Latency of primary switches (quiesce time), ms. */
  readonly switchLatency = new WindowedHistogram(60);
  private switching: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: RouterHost,
    readonly source: Upstream,
    private readonly poolSize: number,
    private readonly limits: Partial<RespLimits> | undefined,
  ) {
    this.log = host.log;
    this.primary = source;
    this.mirror = new Mirrorer(this);
    this.syncer = new SyncWorker(this);
    this.shadow = new ShadowReads();
  }

  /** Some side other than the primary has subscribers (PUBLISH must reach them too). */
  private fanout = false;

  /** Mirroring, canary/shadow or a PUBLISH fan-out in effect: sessions take the live path. */
  get live(): boolean {
    return this.spec.stage !== 'source' || this.holding || this.fanout;
  }

  subscribersChanged(): void {
    this.fanout = (this.primary !== this.source && this.source.subscribers > 0) || (this.target !== null && this.primary !== this.target && this.target.subscribers > 0);
  }

  /** Sends a PUBLISH to every side other than the primary that has subscribers (their replies are not read). */
  publishFanout(buf: Buffer, start: number, end: number): void {
    const t = performance.now();
    for (const up of [this.source, this.target]) {
      if (up === null || up === this.primary || up.subscribers === 0) continue;
      up.sharedConn(2, ENDPOINT_IDENTITY, 0).send(NOBODY, buf, start, end, 0, 0, t);
    }
  }

  // ---- MirrorHost / SyncHost ----------------------------------------------------------------

  deliver(session: MirrorClient, reply: Buffer): void {
    this.host.deliver(session, reply);
  }

  mirrorError(e: MirrorError): void {
    this.host.mirrorError(e);
  }

  primarySide(): Side {
    return primaryOf(this.spec.stage);
  }

  upstream(side: Side): Upstream | null {
    return side === 'source' ? this.source : this.target;
  }

  links(): readonly MirrorLink[] {
    return this.mirror.linksFor(this.primarySide());
  }

  truthFor(reason: SyncReason): Side {
    if (reason === 'mirror_failed' || reason === 'diverged') {
      const side = repairSource(this.spec.policy, this.spec.stage);
      // A side that restarted and lost what it held is never copied from until refilled.
      const link = side === 'source' ? this.sourceLink : this.targetLink;
      if (side !== this.primarySide() && link !== null && link.lostData) return this.primarySide();
      return side;
    }
    return this.primarySide();
  }

  /** A backend restarted (run_id changed): a secondary that lost data needs a full copy; say so loudly. */
  onUpstreamRestart(up: Upstream): void {
    for (const l of this.mirror.allLinks()) {
      if (l.target.upstream !== up) continue;
      l.lostData = true;
      l.outOfSync = true;
    }
    this.host.mirrorError({
      link: up.name,
      db: up.target.db,
      keys: [],
      command: 'restart',
      reason: `${up.name} restarted (run_id changed): what it held only in memory may be gone; copy to it again`,
      kind: 'restarted',
    });
  }

  /** A full copy to `name` (target or a mirror target) completed: its link is trusted again. */
  markResynced(name: string): void {
    for (const l of this.mirror.allLinks()) if (l.name === name) l.markResynced();
  }

  groupConn(group: number): BackendConn | null {
    return this.primary.sharedByGroup(group);
  }

  syncFailed(sync: PendingSync, reason: string): void {
    this.host.mirrorError({ link: 'sync', db: sync.db, keys: [sync.key], command: 'sync', reason, kind: 'failed' });
  }

  locksChanged(): void {
    this.host.wake();
  }

  // ---- applying a routing -------------------------------------------------------------------

  /**
   * Applies a routing live. Serialised: a second call waits for the first. Throws (and
   * leaves the previous routing in force) when the target is needed and not reachable
   * (unless `requireReachable` is false: a restart restores its stage whatever the target's
   * state, and mirror writes fail, are recorded and resynced until it is back), or when the
   * quiesce does not finish within `timeoutMs`.
   */
  apply(next: RoutingSpec, timeoutMs = 15_000, requireReachable = true): Promise<void> {
    const run = this.switching.then(() => this.applyNow(next, timeoutMs, requireReachable));
    this.switching = run.catch(() => undefined);
    return run;
  }

  private async applyNow(next: RoutingSpec, timeoutMs: number, requireReachable: boolean): Promise<void> {
    const prev = this.spec;
    if (next.stage !== 'source' && next.target === null) throw new Error(`stage ${next.stage} needs a target`);
    const deadline = Date.now() + timeoutMs;
    // Upstreams first (new ones only when the backend differs): a stage that writes them waits until they are reachable.
    const created: Upstream[] = [];
    const open = (name: string, backend: BackendTarget, current: Upstream | null | undefined, poolSize: number): Upstream => {
      if (current && sameTarget(current.target, backend)) return current;
      const up = new Upstream(name, backend, poolSize, this.host, this.limits, this.log);
      up.start();
      created.push(up);
      return up;
    };
    const target = next.target === null ? null : open('target', next.target, this.target, this.poolSize);
    const mirrorUps = next.mirrors.map((m) => ({ name: m.name, up: open(`mirror:${m.name}`, m.target, this.mirrorUps.get(m.name), 1) }));
    const t0 = performance.now();
    try {
      if (next.stage !== 'source' && requireReachable) {
        if (target !== null) await waitUp(target, deadline, 'target');
        for (const m of mirrorUps) await waitUp(m.up, deadline, `mirror target ${m.name}`);
      }
      const primaryChanges = primaryOf(prev.stage) !== primaryOf(next.stage) || (primaryOf(next.stage) === 'target' && this.target !== target);
      const mirroringChanges =
        stageMirrors(prev.stage) !== stageMirrors(next.stage) ||
        writesSource(prev.stage) !== writesSource(next.stage) ||
        this.target !== target ||
        prev.policy !== next.policy ||
        mirrorUps.some((m) => this.mirrorUps.get(m.name) !== m.up) ||
        mirrorUps.length !== this.mirrorUps.size;
      if (primaryChanges || mirroringChanges) await this.quiesce(primaryChanges, deadline);
      const oldTarget = this.target;
      const oldMirrors = [...this.mirrorUps.values()];
      this.target = target;
      this.targetLink = target === null ? null : this.linkFor(this.targetLink, 'target', 'target', target);
      this.sourceLink = this.linkFor(this.sourceLink, 'source', 'source', this.source);
      this.mirrorUps.clear();
      const links = new Map<string, MirrorLink>();
      for (const m of mirrorUps) {
        this.mirrorUps.set(m.name, m.up);
        links.set(m.name, this.linkFor(this.mirrorLinks.get(m.name) ?? null, m.name, null, m.up));
      }
      this.mirrorLinks.clear();
      for (const [k, v] of links) this.mirrorLinks.set(k, v);
      this.spec = next;
      this.primary = primaryOf(next.stage) === 'target' && target !== null ? target : this.source;
      this.mirror.configure({ stage: next.stage, policy: next.policy, fromSource: this.linksWritten('source'), fromTarget: this.linksWritten('target') });
      this.epoch++;
      this.subscribersChanged();
      if (primaryChanges) {
        this.switches++;
        this.switchLatency.record((performance.now() - t0) * 1000);
      }
      // What the new routing no longer uses closes (the quiesce made sure nothing is in flight on it).
      if (oldTarget !== null && oldTarget !== target) oldTarget.close();
      for (const up of oldMirrors) if (![...this.mirrorUps.values()].includes(up)) up.close();
      this.log.info({ stage: next.stage, policy: next.policy, mirrors: next.mirrors.map((m) => m.name), ms: Math.round(performance.now() - t0) }, 'routing applied');
    } catch (e) {
      for (const up of created) up.close();
      throw e;
    } finally {
      this.holding = false;
      this.host.wake();
    }
  }

  /** The links a write that ran on `written` goes to, in the current stage. */
  private linksWritten(written: Side): MirrorLink[] {
    const stage = this.spec.stage;
    if (!stageMirrors(stage)) return [];
    const out: MirrorLink[] = [];
    if (written !== 'source' && writesSource(stage) && this.sourceLink !== null) out.push(this.sourceLink);
    if (written !== 'target' && this.targetLink !== null) out.push(this.targetLink);
    for (const l of this.mirrorLinks.values()) out.push(l);
    return out;
  }

  private linkFor(existing: MirrorLink | null, name: string, side: Side | null, up: Upstream): MirrorLink {
    if (existing !== null && existing.target.upstream === up) return existing;
    return new MirrorLink({ name, side, upstream: up, conn: () => up.sharedConn(2, ENDPOINT_IDENTITY, 0) }, this.mirror);
  }

  /**
   * Holds new commands and waits until nothing is in flight: every session's outstanding
   * replies, the mirror pipeline, and (for a primary change) pending state syncs.
   */
  private async quiesce(primaryChanges: boolean, deadline: number, barrier = false): Promise<void> {
    this.holding = true;
    const started = Date.now();
    let unblocked = false;
    try {
      for (;;) {
        const graceOver = Date.now() - started > TX_GRACE_MS;
        let busy = 0;
        for (const s of this.host.sessionsForSwitch()) {
          if (primaryChanges && s.blocking > 0 && !unblocked) this.unblock(s);
          if (s.busyInTransaction && primaryChanges) {
            if (graceOver) s.onPrimaryChange(true);
            busy++;
          } else if (s.inflight > 0 && s.blocking === 0) busy++;
        }
        unblocked = true;
        const pipelineBusy =
          this.mirror.busy > 0 || (primaryChanges && (!this.coordinator.quiet || this.syncer.running > 0)) || (barrier && this.syncer.running > 0);
        if (primaryChanges) this.syncer.pump();
        if (busy === 0 && !pipelineBusy) break;
        if (Date.now() > deadline) {
          throw new Error(
            `could not quiesce within the time allowed: ${busy} client(s) with replies outstanding, ${this.mirror.busy} mirrored write(s) in flight, ${this.coordinator.pendingCount} key(s) waiting for a state sync`,
          );
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      if (primaryChanges) for (const s of this.host.sessionsForSwitch()) s.onPrimaryChange(false);
    } catch (e) {
      this.holding = false;
      this.host.wake();
      throw e;
    }
  }

  // ---- barriers (FLUSHDB, FLUSHALL, SWAPDB, FUNCTION FLUSH while mirroring) -------------------

  /** The session a hold lets through to run its barrier command alone. */
  barrierOwner: RoutedSession | null = null;
  private readonly barrierQueue: RoutedSession[] = [];
  private barrierDoneResolve: (() => void) | null = null;

  /**
   * A wipe of whole databases runs alone: new commands are held, everything in flight and
   * in the mirror pipeline lands, then only `s` goes on; its replay is queued on the links
   * before any later write's. Released by `barrierDone` (its primary reply, or its failure).
   */
  requestBarrier(s: RoutedSession): void {
    if (this.barrierQueue.includes(s)) return;
    this.barrierQueue.push(s);
    if (this.barrierQueue.length === 1) void this.runBarriers();
  }

  barrierDone(s: RoutedSession): void {
    if (this.barrierOwner !== s) return;
    this.barrierOwner = null;
    this.barrierDoneResolve?.();
  }

  private async runBarriers(): Promise<void> {
    while (this.barrierQueue.length > 0) {
      const s = this.barrierQueue[0];
      const turn = this.switching.then(async () => {
        try {
          await this.quiesce(false, Date.now() + 15_000, true);
        } catch (e) {
          // Could not get the stream quiet: the barrier runs anyway (as on a direct connection), logged.
          this.log.warn({ reason: (e as Error).message }, 'barrier ran without a full quiesce');
          this.holding = true;
        }
        if (!s.closed) {
          const done = new Promise<void>((r) => (this.barrierDoneResolve = r));
          this.barrierOwner = s;
          this.host.wakeOne(s);
          await done;
        }
        this.barrierDoneResolve = null;
        this.holding = false;
        this.host.wake();
      });
      this.switching = turn.catch(() => undefined);
      await this.switching;
      this.barrierQueue.shift();
    }
  }

  /** A blocked call on the old primary ends with its timeout reply (the client retries on the new one). */
  private unblock(s: RoutedSession): void {
    const b = s.blockedOn();
    if (b === null || b.id < 0) return;
    const conn = b.upstream.sharedConn(2, ENDPOINT_IDENTITY, 0);
    const cmd = Buffer.from(`*4\r\n$6\r\nCLIENT\r\n$7\r\nUNBLOCK\r\n$${String(b.id).length}\r\n${b.id}\r\n$7\r\nTIMEOUT\r\n`);
    conn.send(NOBODY, cmd, 0, cmd.length, 0, 0, performance.now());
  }

  close(): void {
    this.syncer.close();
    this.target?.close();
    for (const up of this.mirrorUps.values()) up.close();
    this.mirrorUps.clear();
  }
}

/** A sink for replies nobody reads (the router's own CLIENT UNBLOCK). */
const NOBODY = { closed: false, onReply: () => undefined, onReplyFailed: () => undefined };

function sameTarget(a: BackendTarget, b: BackendTarget): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

async function waitUp(up: Upstream, deadline: number, what: string): Promise<void> {
  while (up.summary().state !== 'up') {
    if (Date.now() > deadline) throw new Error(`the ${what} (${up.target.host}:${up.target.port}) is not reachable: ${up.lastError() || 'not connected'}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
