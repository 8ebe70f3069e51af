/**
 * Live mirroring: every write a client sends to the primary also reaches each secondary
 * (the other side, and every mirror target), and the client's reply follows the
 * write-consistency policy (lib/migration/stages.ts `readPolicy`).
 *
 * How a write travels (the argument for its correctness is lib/migration/README.md):
 * 1. `begin` (at send): the command table's `mirrorMode` says how it is mirrored; its keys
 *    are hashed and registered with the KeyCoordinator on the group (the backend
 *    connection) it is sent on. A write that conflicts with one in flight on another group
 *    is switched to `state`. The command's bytes are copied into a slot (the client's read
 *    buffer is gone by the time the reply comes).
 * 2. `onPrimaryReply` (in the primary's reply order): a `command` write that succeeded is
 *    sent to every secondary link, in this order, over one connection per link (one FIFO
 *    per secondary); a `state` write asks the coordinator to sync its keys by state. The
 *    primary's reply is hashed for comparison.
 * 3. `linkReply`: a secondary's reply that differs from the primary's (or a failure) means
 *    the sides diverged on those keys: when the policy repairs, they are synced by state from
 *    the truth (a failure is also recorded as an error key, origin `mirror`; a mere
 *    difference is counted); otherwise recorded. When the last link answered, the keys leave
 *    the pipeline.
 * A client waits for a secondary only when the policy says so (its reply is then held and
 * its later commands queue behind it, so nothing is reordered).
 *
 * Bounded: each link has at most MAX_LINK_INFLIGHT writes outstanding; beyond that the
 * write is not sent to that link, the link is marked out of sync and the keys are synced by
 * state once it has room (never silently dropped).
 */
import { performance } from 'node:perf_hooks';
import { commandTable, type CommandInfo } from '@/lib/commands';
import type { Logger } from '@/lib/logger';
import type { KeyCoordinator, SyncReason } from '@/lib/migration/coordinator';
import { readPolicy, type PolicyReading, type Side, type Stage, type WriteConsistency } from '@/lib/migration/stages';
import { RespType, type RespCommand } from '@/lib/resp';
import { F_SENDER_BASE, type BackendConn, type ReplySink } from './backend';
import { WindowedHistogram } from './metrics';
import { replyHash } from './reply-hash';
import type { Upstream } from './upstream';

/** The request's reply also goes to the mirrorer (arg = slot). */
export const F_MIRROR = F_SENDER_BASE << 2;

const M_COMMAND = 1;
const M_STATE = 2;
const M_BARRIER = 3;

/** Writes outstanding per link before it counts as overflowing (and keys go to resync). */
export const MAX_LINK_INFLIGHT = 100_000;
/**
 * Keys waiting for a state sync beyond which a link that keeps dropping writes is not
 * tracked key by key any more: it is marked as needing a full copy (bounded memory for a
 * mirror that stays down).
 */
export const MAX_PENDING_SYNCS = 250_000;

const NULL3 = 0x5f; // `_`

/** A side the mirrorer writes to. `side` is null for mirror targets. */
export interface LinkTarget {
  readonly name: string;
  readonly side: Side | null;
  readonly upstream: Upstream;
  /** The connection writes are replayed on (RESP2, the side's default db). */
  conn(): BackendConn;
}

/** Where the mirrorer reports (the engine implements it). */
export interface MirrorHost {
  readonly log: Logger;
  readonly coordinator: KeyCoordinator;
  /** A client reply the mirrorer held is ready (wait policies). */
  deliver(session: MirrorClient, reply: Buffer): void;
  /** Keys a link failed or diverged on (error keys, origin `mirror`). */
  mirrorError(e: MirrorError): void;
}

export interface MirrorClient {
  readonly closed: boolean;
}

export interface MirrorError {
  link: string;
  db: number;
  keys: Buffer[];
  command: string;
  reason: string;
  kind: 'failed' | 'diverged' | 'overflow' | 'restarted';
}

/** One write on its way. Reused (free list); `cmd` is the only per-write allocation. */
class Slot {
  id: number;
  mode = 0;
  cmd: Buffer | null = null;
  /** Key ranges within `cmd`, and their hashes. */
  keyStarts: number[] = [];
  keyEnds: number[] = [];
  hashes: number[] = [];
  nKeys = 0;
  db = 0;
  info: CommandInfo | null = null;
  /** The side the write ran on first. */
  primary: Side = 'source';
  replyHash = 0;
  primaryOk = true;
  /** Links still to answer; the keys leave the pipeline at 0. */
  pending = 0;
  /** Wait policies: the client's reply, held until `waitFor` links answered. */
  client: MirrorClient | null = null;
  held: Buffer | null = null;
  waitFor = 0;
  failure: string | null = null;
  sent = 0;
  constructor(id: number) {
    this.id = id;
  }
}

export class MirrorLink implements ReplySink {
  readonly closed = false;
  inflight = 0;
  ops = 0;
  failures = 0;
  divergences = 0;
  overflows = 0;
  /** True once it dropped writes (overflow or failure) that wait for a resync. */
  outOfSync = false;
  /**
   * The server behind it restarted: anything it held only in memory may be gone, so it
   * needs a full copy again (a copy job), not just the keys the mirror knows about. Until
   * `markResynced`, it is never the truth a repair copies from.
   */
  lostData = false;

  /** A full copy brought it back in line (the copy job that refilled it completed). */
  markResynced(): void {
    this.lostData = false;
    this.outOfSync = false;
  }
  readonly latency = new WindowedHistogram();
  /** Send times of outstanding writes, in order (for lag: age of the oldest). */
  private readonly times: number[] = [];
  private timesHead = 0;
  private readonly slots: number[] = [];
  private slotsHead = 0;

  constructor(
    readonly target: LinkTarget,
    private readonly mirror: Mirrorer,
  ) {}

  get name(): string {
    return this.target.name;
  }

  /** Age (ms) of the oldest write not yet applied here; 0 when none. */
  lagMs(now: number): number {
    return this.inflight === 0 ? 0 : now - this.times[this.timesHead];
  }

  send(slot: Slot, now: number): boolean {
    if (this.inflight >= MAX_LINK_INFLIGHT) return false;
    const c = this.target.conn();
    const cmd = slot.cmd!;
    if (!c.send(this, cmd, 0, cmd.length, 0, slot.id, now)) return false;
    this.inflight++;
    this.times.push(now);
    this.slots.push(slot.id);
    return true;
  }

  private shift(): number {
    const id = this.slots[this.slotsHead++];
    const t = this.times[this.timesHead++];
    this.inflight--;
    if (this.slotsHead > 1024 && this.slotsHead * 2 > this.slots.length) {
      this.slots.splice(0, this.slotsHead);
      this.times.splice(0, this.timesHead);
      this.slotsHead = this.timesHead = 0;
    }
    this.latency.record((performance.now() - t) * 1000);
    return id;
  }

  onReply(buf: Buffer, start: number, end: number, type: number, _flags: number, arg: number): void {
    this.shift();
    this.ops++;
    this.mirror.linkReply(this, arg, buf, start, end, type);
  }

  onReplyFailed(line: Buffer): void {
    const id = this.shift();
    this.failures++;
    this.mirror.linkFailed(this, id, line.toString('latin1', 1, line.length - 2));
  }
}

export interface MirrorConfig {
  stage: Stage;
  policy: WriteConsistency;
  /** Where a write that ran on the source goes: the target (when the stage mirrors) and every mirror target. */
  fromSource: MirrorLink[];
  /** Where a write that ran on the target goes: the source (until stage `target`) and every mirror target. */
  fromTarget: MirrorLink[];
}

export class Mirrorer {
  private config: MirrorConfig = { stage: 'source', policy: 'SourceAuthoritative', fromSource: [], fromTarget: [] };
  private reading: PolicyReading = readPolicy('SourceAuthoritative', 'source');
  private readonly slots: Slot[] = [];
  private readonly free: number[] = [];
  /** Counters (since start). */
  mirrored = 0;
  byState = 0;
  notMirrored = 0;

  constructor(private readonly host: MirrorHost) {}

  get stage(): Stage {
    return this.config.stage;
  }

  /** The links a write that ran on `side` goes to. */
  linksFor(side: Side): readonly MirrorLink[] {
    return side === 'source' ? this.config.fromSource : this.config.fromTarget;
  }

  /** Every link in use (for metrics). */
  allLinks(): MirrorLink[] {
    return [...new Set([...this.config.fromSource, ...this.config.fromTarget])];
  }

  configure(config: MirrorConfig): void {
    this.config = config;
    this.reading = readPolicy(config.policy, config.stage);
  }

  /** Writes in flight anywhere in the mirror (slots in use). */
  get busy(): number {
    return this.slots.length - this.free.length;
  }

  private take(): Slot {
    const id = this.free.pop();
    if (id !== undefined) return this.slots[id];
    const s = new Slot(this.slots.length);
    this.slots.push(s);
    return s;
  }

  private release(s: Slot): void {
    s.cmd = null;
    s.client = null;
    s.held = null;
    s.info = null;
    s.failure = null;
    s.nKeys = 0;
    this.free.push(s.id);
  }

  /**
   * A write is about to be sent on `conn` (its group) for a client. Returns the slot to tag
   * the request with, or -1 when it is not mirrored. `forceState`: the write cannot be
   * replayed here (inside a transaction's EXEC, a non-default db, a dedicated connection).
   * `extraKeys`: keys it touches beyond its own arguments (a transaction's queued writes).
   */
  begin(
    client: MirrorClient,
    conn: BackendConn,
    primary: Side,
    cmd: RespCommand,
    info: CommandInfo,
    db: number,
    forceState: boolean,
    extraKeys: Buffer[] | null,
  ): number {
    const mm = info.mirrorMode;
    // PUBLISH is not mirrored: the router sends it to each side that has subscribers (publishFanout).
    let mode = mm === 'command' ? M_COMMAND : mm === 'state' ? M_STATE : mm === 'barrier' ? M_BARRIER : 0;
    if (extraKeys !== null) mode = M_STATE;
    if (mode === 0) {
      this.notMirrored++;
      return -1;
    }
    if (forceState && mode === M_COMMAND) mode = M_STATE;
    const s = this.take();
    const bytes = Buffer.allocUnsafe(cmd.end - cmd.start);
    cmd.buf.copy(bytes, 0, cmd.start, cmd.end);
    s.cmd = bytes;
    s.mode = mode;
    s.db = db;
    s.info = info;
    s.primary = primary;
    s.primaryOk = true;
    s.pending = 0;
    s.waitFor = 0;
    s.sent = performance.now();
    s.nKeys = 0;
    if (mode === M_COMMAND || mode === M_STATE) {
      this.collectKeys(s, cmd, info);
      if (extraKeys !== null) for (const k of extraKeys) this.addKey(s, k);
      const co = this.host.coordinator;
      // A write over several keys may read one to write another: not replayed while some key may be stale there.
      if (s.nKeys > 1 && co.unsettled) s.mode = M_STATE;
      const group = conn.group;
      for (let i = 0; i < s.nKeys; i++) {
        const h = co.hash(db, bytesOf(s, i), 0, s.keyEnds[i] - s.keyStarts[i]);
        s.hashes[i] = h;
        const r = co.beginWrite(group, h);
        if (r & 1) s.mode = M_STATE;
        if (r & 2) co.copyTouched(db, bytesOf(s, i), h);
      }
    }
    return s.id;
  }

  /** The command's keys as ranges of its bytes (fixed positions without materialising arguments). */
  private collectKeys(s: Slot, cmd: RespCommand, info: CommandInfo): void {
    // Offsets are relative to the command's start, as is the slot's copy of its bytes.
    if (!info.movableKeys) {
      const argc = cmd.argc;
      if (info.keyStart <= 0 || info.keyStart >= argc || info.step <= 0) return;
      let last = info.keyStop < 0 ? argc + info.keyStop : info.keyStop;
      if (last >= argc) last = argc - 1;
      for (let i = info.keyStart; i <= last; i += info.step) this.addRange(s, cmd.offsets[2 * i], cmd.offsets[2 * i + 1]);
      return;
    }
    for (const p of commandTable.keyPositions(cmd.args(), info)) this.addRange(s, cmd.offsets[2 * p], cmd.offsets[2 * p + 1]);
  }

  private addRange(s: Slot, a: number, b: number): void {
    const i = s.nKeys++;
    s.keyStarts[i] = a;
    s.keyEnds[i] = b;
  }

  /** A key that is not in the command's bytes: appended to them (never sent; the slot keeps it). */
  private addKey(s: Slot, key: Buffer): void {
    const base = s.cmd!.length;
    s.cmd = Buffer.concat([s.cmd!, key]);
    this.addRange(s, base, base + key.length);
  }

  /** Whether a write touches a key for which `locked(hash)` holds (a repair writing it on the primary). */
  touchesLocked(cmd: RespCommand, info: CommandInfo, db: number, locked: (h: number) => boolean): boolean {
    const probe = new Slot(-1);
    probe.cmd = cmd.buf.subarray(cmd.start, cmd.end);
    this.collectKeys(probe, cmd, info);
    for (let i = 0; i < probe.nKeys; i++) if (locked(this.host.coordinator.hash(db, bytesOf(probe, i)))) return true;
    return false;
  }

  /** Whether the policy makes a client's write wait for the other side too (see readPolicy). */
  get policyWaits(): boolean {
    return this.reading.wait.length > 1;
  }

  /**
   * The primary answered write `slot`. Returns the reply the client gets now, or null when
   * it is held for a secondary (the client then gets it through `host.deliver`).
   */
  onPrimaryReply(slot: number, client: MirrorClient, buf: Buffer, start: number, end: number, type: number, wait: boolean): boolean {
    const s = this.slots[slot];
    const co = this.host.coordinator;
    for (let i = 0; i < s.nKeys; i++) co.primaryDone(s.hashes[i]);
    const isError = type === RespType.Error || type === RespType.BlobError;
    s.primaryOk = !isError;
    const authorityIsOther = this.reading.authority !== 'both' && this.reading.authority !== s.primary;
    switch (s.mode) {
      case M_COMMAND: {
        // A deterministic write the primary refused had no effect: nothing to replay, unless
        // the other side is the authority (its reply is what the client gets).
        if (isError && !authorityIsOther) {
          this.finishPipeline(s);
          this.release(s);
          return false;
        }
        s.replyHash = replyHash(buf, start, end);
        const now = performance.now();
        const links = this.linksFor(s.primary);
        let sides = 0;
        let unreachable: MirrorLink | null = null;
        for (const l of links) {
          if (l.send(s, now)) {
            s.pending++;
            if (l.target.side !== null) sides++;
          } else {
            this.dropped(l, s, 'overflow');
            if (l.target.side !== null) unreachable = l;
          }
        }
        this.mirrored++;
        if (wait) {
          s.client = client;
          s.held = Buffer.from(buf.subarray(start, end));
          if (unreachable !== null) {
            // The side the client waits for cannot take the write now: it answers as that side failed.
            s.failure = `${unreachable.name}: unavailable`;
            if (unreachable.target.side === this.reading.authority) {
              s.held = Buffer.from(`-ERR interlay: the ${unreachable.target.side} is unavailable; the write is kept on the ${s.primary} and repaired later\r\n`);
            }
          }
          if (sides > 0) {
            s.waitFor = sides;
            return true;
          }
          this.deliverHeld(s);
          if (s.pending === 0) {
            this.finishPipeline(s);
            this.release(s);
          }
          return true;
        }
        if (s.pending === 0) {
          this.finishPipeline(s);
          this.release(s);
        }
        return false;
      }
      case M_STATE: {
        this.byState++;
        // A write the primary refused changed nothing (a transaction aborted by WATCH answers nil: nothing either).
        const applied = !isError && !(s.info?.name === 'exec' && isNullReply(buf, start));
        if (applied) for (let i = 0; i < s.nKeys; i++) co.requestSync(s.db, bytesOf(s, i), s.hashes[i], 'nondeterministic');
        this.finishPipeline(s);
        this.release(s);
        return false;
      }
      case M_BARRIER: {
        if (!isError) {
          const now = performance.now();
          for (const l of this.linksFor(s.primary)) if (l.send(s, now)) s.pending++;
          co.flushed(s.db);
          if (s.info?.name === 'flushall' || s.info?.name === 'swapdb') for (let d = 0; d < 16; d++) co.flushed(d);
        }
        if (s.pending === 0) this.release(s);
        return false;
      }
      default:
        this.release(s);
        return false;
    }
  }

  /** The primary never answered (connection lost, timeout): the write may or may not have run there. */
  onPrimaryFailed(slot: number): void {
    const s = this.slots[slot];
    const co = this.host.coordinator;
    for (let i = 0; i < s.nKeys; i++) {
      co.primaryDone(s.hashes[i]);
      // Unknown outcome: the sides are made to agree by state once the primary is back.
      co.requestSync(s.db, bytesOf(s, i), s.hashes[i], 'mirror_failed');
    }
    this.finishPipeline(s);
    this.release(s);
  }

  linkReply(link: MirrorLink, slot: number, buf: Buffer, start: number, end: number, type: number): void {
    const s = this.slots[slot];
    // The authority is the other side: the client gets that side's reply.
    if (s.client !== null && link.target.side !== null && link.target.side === this.reading.authority) s.held = Buffer.from(buf.subarray(start, end));
    if (s.mode === M_COMMAND) {
      const isError = type === RespType.Error || type === RespType.BlobError;
      const same = replyHash(buf, start, end) === s.replyHash;
      if (!same) {
        link.divergences++;
        const reason = isError ? buf.toString('latin1', start + 1, Math.min(end - 2, start + 200)) : 'replies differ';
        this.diverged(link, s, isError ? 'failed' : 'diverged', reason);
      }
    }
    this.linkDone(link, s);
  }

  linkFailed(link: MirrorLink, slot: number, reason: string): void {
    const s = this.slots[slot];
    if (s.client !== null && link.target.side !== null && link.target.side === this.reading.authority) {
      s.held = Buffer.from(`-ERR interlay: the ${link.target.side} did not answer (${reason.replace(/[\r\n]/g, ' ')})\r\n`);
    }
    if (s.mode === M_COMMAND) this.diverged(link, s, 'failed', reason);
    else link.outOfSync = true;
    this.linkDone(link, s);
  }

  private linkDone(link: MirrorLink, s: Slot): void {
    const last = --s.pending === 0;
    if (last && s.mode === M_COMMAND) this.finishPipeline(s);
    if (s.client !== null && link.target.side !== null && --s.waitFor === 0) this.deliverHeld(s);
    if (last && s.client === null) this.release(s);
  }

  private deliverHeld(s: Slot): void {
    const client = s.client!;
    let reply = s.held!;
    if (s.failure !== null && this.reading.authority === 'both') {
      reply = Buffer.from(`-ERR interlay: the write failed on one side (${s.failure.replace(/[\r\n]/g, ' ')}); the sides are repaired to agree with the ${s.primary}\r\n`);
    }
    s.client = null;
    s.held = null;
    if (!client.closed) this.host.deliver(client, reply);
  }

  /**
   * A link failed or disagreed on a replayed write: repaired by state when the policy repairs.
   * A failure is recorded (error keys, origin `mirror`). A disagreement the policy repairs is
   * only counted (`divergences`): it is expected while the other side may not hold the key
   * yet — not copied so far, racing writes from two connections synced by state, a sync still
   * waiting — and the state sync that follows is what can fail (recorded then, by the sync).
   * Recording each one would bury real errors under hundreds of harmless rows during a copy.
   */
  private diverged(link: MirrorLink, s: Slot, kind: 'failed' | 'diverged', reason: string): void {
    if (s.failure === null) s.failure = `${link.name}: ${reason}`;
    if (kind === 'diverged' && this.reading.repair) {
      const co = this.host.coordinator;
      for (let i = 0; i < s.nKeys; i++) co.requestSync(s.db, bytesOf(s, i), s.hashes[i], 'diverged');
      return;
    }
    const keys: Buffer[] = [];
    for (let i = 0; i < s.nKeys; i++) keys.push(Buffer.from(bytesOf(s, i)));
    this.host.mirrorError({ link: link.name, db: s.db, keys, command: s.info?.name ?? 'unknown', reason, kind });
    if (this.reading.repair) {
      const co = this.host.coordinator;
      const why: SyncReason = kind === 'diverged' ? 'diverged' : 'mirror_failed';
      for (let i = 0; i < s.nKeys; i++) co.requestSync(s.db, bytesOf(s, i), s.hashes[i], why);
    } else {
      link.outOfSync = true;
    }
  }

  /** The link had no room (or was down between attempts): the keys go to a state sync instead. */
  private dropped(link: MirrorLink, s: Slot, why: 'overflow'): void {
    link.overflows++;
    link.outOfSync = true;
    const co = this.host.coordinator;
    const keys: Buffer[] = [];
    const tooMany = co.pendingCount >= MAX_PENDING_SYNCS;
    if (tooMany && !link.lostData) {
      link.lostData = true;
      this.host.log.warn({ link: link.name, pending: co.pendingCount }, 'mirror link dropped too many writes to track by key: it needs a full copy');
    }
    for (let i = 0; i < s.nKeys; i++) {
      keys.push(Buffer.from(bytesOf(s, i)));
      if (!tooMany) co.requestSync(s.db, bytesOf(s, i), s.hashes[i], why);
    }
    this.host.mirrorError({ link: link.name, db: s.db, keys, command: s.info?.name ?? 'unknown', reason: 'mirror queue full or link down', kind: 'overflow' });
  }

  private finishPipeline(s: Slot): void {
    const co = this.host.coordinator;
    for (let i = 0; i < s.nKeys; i++) co.pipelineDone(s.hashes[i]);
    s.nKeys = 0;
  }
}

function bytesOf(s: Slot, i: number): Buffer {
  return s.cmd!.subarray(s.keyStarts[i], s.keyEnds[i]);
}


function isNullReply(buf: Buffer, start: number): boolean {
  // *-1 (RESP2 nil array) or _ (RESP3 null)
  return (buf[start] === 0x2a && buf[start + 1] === 0x2d) || buf[start] === NULL3;
}
