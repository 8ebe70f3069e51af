/**
 * State syncs: a key's value is read from the side that holds the truth (DUMP + PTTL) and
 * written to every other side (RESTORE … REPLACE with the remaining TTL, or DEL when the
 * key is gone). This is how writes that cannot be replayed (KeyCoordinator conflicts,
 * `state`-mode commands, copy overlaps) and failed or divergent mirror writes reach the
 * other side.
 *
 * Order: a sync's read is counted in flight on the key (KeyCoordinator.takeReady) on the
 * group it is read from, so it is ordered against the writes around it. Its writes go,
 * for the primary's default db, through the same link connection as replayed commands
 * (one FIFO per secondary), so a RESTORE lands after every replay the primary answered
 * before the DUMP and before every replay it answered after; other databases (never
 * replayed, always synced by state) go through one connection per (side, db).
 *
 * A sync that writes to the primary itself (a repair from the other side, when it is the
 * authority) locks the key on the primary while it runs: client writes to it wait, so a
 * repair never overwrites a write the client just made.
 */
import type { Logger } from '@/lib/logger';
import { SYNC_GROUP, type KeyCoordinator, type PendingSync, type SyncReason } from '@/lib/migration/coordinator';
import type { Side } from '@/lib/migration/stages';
import { performance } from 'node:perf_hooks';
import { encodeCommand, RespType } from '@/lib/resp';
import { ENDPOINT_IDENTITY, F_SWALLOW, type BackendConn, type ConnOwner } from './backend';
import type { MirrorLink } from './mirror';
import type { Upstream } from './upstream';

const R_DUMP = 1;
const R_PTTL = 2;
const R_WRITE = 3;

/** Syncs started per scheduling pass (the rest wait for the next one). */
const BATCH = 256;

interface Job {
  id: number;
  sync: PendingSync;
  truth: Side;
  payload: Buffer | null;
  pttl: number;
  /** Writes still to be answered. */
  writes: number;
  lockedPrimary: boolean;
  failed: string | null;
  /** A side was unreachable: the sync is requested again once things may have recovered. */
  retry: boolean;
}

/** Delay before a sync that met an unreachable side is requested again (doubling up to the max). */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

/** What the worker needs from the engine. */
export interface SyncHost {
  readonly log: Logger;
  readonly coordinator: KeyCoordinator;
  /** The side clients' commands run on first now. */
  primarySide(): Side;
  upstream(side: Side): Upstream | null;
  /** The links writes are replayed on now (the other side and mirror targets). */
  links(): readonly MirrorLink[];
  /** The truth for a reason (primary for ordering reasons, the policy's authority for repairs). */
  truthFor(reason: SyncReason): Side;
  /** An endpoint-identity shared connection of the primary by group, when a sync may be read on it. */
  groupConn(group: number): BackendConn | null;
  /** A sync could not be completed (recorded as an error key). */
  syncFailed(sync: PendingSync, reason: string): void;
  /** Locks on primary keys changed (waiting clients may go on). */
  locksChanged(): void;
}

export class SyncWorker implements ConnOwner {
  readonly closed = false;
  readonly timesOut = true;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  /** Dedicated connections per (upstream name, db). */
  private readonly conns = new Map<string, BackendConn>();
  /** Hashes locked on the primary by repairs running towards it. */
  private readonly locks = new Map<number, number>();
  private scheduled = false;
  completed = 0;
  failed = 0;

  constructor(private readonly host: SyncHost) {
    host.coordinator.onReady = () => this.schedule();
  }

  get running(): number {
    return this.jobs.size;
  }

  /** Whether client writes to this hash wait (a repair is writing it on the primary). */
  locked(h: number): boolean {
    return this.locks.has(h);
  }

  get hasLocks(): boolean {
    return this.locks.size > 0;
  }

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Starts what the coordinator says can start now. */
  pump(): void {
    const co = this.host.coordinator;
    if (co.pendingCount === 0) return;
    const ready = co.takeReady(BATCH, (g) => this.host.groupConn(g) !== null);
    for (const { sync, group } of ready) this.start(sync, group);
    if (co.pendingCount > 0 && ready.length === BATCH) this.schedule();
  }

  private start(sync: PendingSync, group: number): void {
    const h = this.host;
    const truth = h.truthFor(sync.reason);
    const primary = h.primarySide();
    const job: Job = { id: this.nextId++, sync, truth, payload: null, pttl: -2, writes: 0, lockedPrimary: false, failed: null, retry: false };
    this.jobs.set(job.id, job);
    if (truth !== primary) {
      job.lockedPrimary = true;
      this.locks.set(sync.hash, (this.locks.get(sync.hash) ?? 0) + 1);
    }
    const up = h.upstream(truth);
    let conn: BackendConn | null = null;
    if (up !== null) conn = group !== SYNC_GROUP && truth === primary ? h.groupConn(group) : this.conn(up, sync.db);
    if (conn === null) {
      this.fail(job, `the ${truth} is not configured`);
      this.host.coordinator.syncRead(sync.hash);
      this.finish(job);
      return;
    }
    const dump = encodeCommand(['DUMP', sync.key]);
    const pttl = encodeCommand(['PTTL', sync.key]);
    const t = performance.now();
    if (!conn.send(this, dump, 0, dump.length, R_DUMP, job.id, t) || !conn.send(this, pttl, 0, pttl.length, R_PTTL, job.id, t)) {
      this.fail(job, `the ${truth} is unavailable`, true);
      this.host.coordinator.syncRead(sync.hash);
      this.finish(job);
    }
  }

  /** A connection of this worker's own on an upstream, in a db. */
  private conn(up: Upstream, db: number): BackendConn {
    const key = `${up.name}|${db}`;
    let c = this.conns.get(key);
    if (c !== undefined && c.accepting) return c;
    c = up.acquireDedicated(this, 2, ENDPOINT_IDENTITY);
    c.tainted = true;
    if (db !== up.target.db) {
      const sel = encodeCommand(['SELECT', db]);
      c.send(this, sel, 0, sel.length, F_SWALLOW, 0, performance.now());
    }
    this.conns.set(key, c);
    return c;
  }

  onReply(buf: Buffer, start: number, end: number, type: number, flags: number, arg: number): void {
    if (flags & F_SWALLOW) return;
    const job = this.jobs.get(arg);
    if (job === undefined) return;
    const kind = flags & 3;
    const isError = type === RespType.Error || type === RespType.BlobError;
    if (kind === R_DUMP) {
      if (isError) this.fail(job, buf.toString('latin1', start + 1, end - 2));
      else if (type === RespType.BulkString && buf[start + 1] !== 0x2d) job.payload = bulkBody(buf, start, end);
      else job.payload = null;
      return;
    }
    if (kind === R_PTTL) {
      this.host.coordinator.syncRead(job.sync.hash);
      if (!isError) job.pttl = Number(buf.toString('latin1', start + 1, end - 2));
      this.apply(job);
      return;
    }
    // A write answered.
    if (isError && job.failed === null) this.fail(job, buf.toString('latin1', start + 1, Math.min(end - 2, start + 300)));
    if (--job.writes === 0) this.finish(job);
  }

  onReplyFailed(line: Buffer, flags: number, arg: number): void {
    if (flags & F_SWALLOW) return;
    const job = this.jobs.get(arg);
    if (job === undefined) return;
    this.fail(job, line.toString('latin1', 1, line.length - 2), true);
    const kind = flags & 3;
    if (kind === R_PTTL) {
      this.host.coordinator.syncRead(job.sync.hash);
      this.finish(job);
    } else if (kind === R_WRITE && --job.writes === 0) {
      this.finish(job);
    }
  }

  onDedicatedFrame(): boolean {
    return false;
  }

  onUnsolicited(): void {}

  onDedicatedLost(conn: BackendConn): void {
    for (const [k, c] of this.conns) if (c === conn) this.conns.delete(k);
  }

  /** Writes the key's state to every side but the truth. */
  private apply(job: Job): void {
    if (job.failed !== null) {
      this.finish(job);
      return;
    }
    const { sync } = job;
    const h = this.host;
    const gone = job.payload === null || job.pttl === -2;
    const cmd = gone
      ? encodeCommand(['DEL', sync.key])
      : encodeCommand(['RESTORE', sync.key, Math.max(0, job.pttl), job.payload!, 'REPLACE']);
    const t = performance.now();
    const primary = h.primarySide();
    const sent = new Set<string>();
    for (const link of h.links()) {
      const side = link.target.side;
      if (side === job.truth) continue;
      const up = side === null ? null : h.upstream(side);
      // The primary's default db goes through the link's FIFO; other dbs through the worker's own.
      const viaLink = up === null ? sync.db === linkDb(link) : sync.db === up.target.db;
      const conn = viaLink ? link.target.conn() : this.connFor(link, side, sync.db);
      if (conn === null) continue;
      if (conn.send(this, cmd, 0, cmd.length, R_WRITE, job.id, t)) job.writes++;
      else this.fail(job, `${link.name} is unavailable`, true);
      sent.add(side ?? `mirror:${link.name}`);
    }
    // A repair towards the primary (the truth is the other side).
    if (job.truth !== primary && !sent.has(primary)) {
      const up = h.upstream(primary);
      if (up !== null) {
        const conn = this.conn(up, sync.db);
        if (conn.send(this, cmd, 0, cmd.length, R_WRITE, job.id, t)) job.writes++;
      }
    }
    if (job.writes === 0) this.finish(job);
  }

  private connFor(link: MirrorLink, side: Side | null, db: number): BackendConn | null {
    const up = side === null ? link.target.upstream : this.host.upstream(side);
    return up === null ? null : this.conn(up, db);
  }

  private fail(job: Job, reason: string, retryable = false): void {
    if (retryable) job.retry = true;
    if (job.failed !== null) return;
    job.failed = reason;
    // A side that was unreachable is not an outcome: the sync is tried again (recorded once).
    if (!retryable || job.sync.attempts === 0) this.host.syncFailed(job.sync, reason);
  }

  private finish(job: Job): void {
    if (!this.jobs.delete(job.id)) return;
    const co = this.host.coordinator;
    co.pipelineDone(job.sync.hash);
    co.syncDone();
    if (job.failed === null) this.completed++;
    else if (job.retry) this.retryLater(job.sync);
    else this.failed++;
    if (job.lockedPrimary) {
      const n = (this.locks.get(job.sync.hash) ?? 1) - 1;
      if (n <= 0) this.locks.delete(job.sync.hash);
      else this.locks.set(job.sync.hash, n);
      this.host.locksChanged();
    }
    if (co.pendingCount > 0) this.schedule();
  }

  /** Requests the sync again after a backoff (the side it met may be back by then). */
  private retryLater(sync: PendingSync): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.min(sync.attempts, 5));
    sync.attempts++;
    this.retrying++;
    const t = setTimeout(() => {
      this.retrying--;
      this.retryTimers.delete(t);
      this.host.coordinator.requestSync(sync.db, sync.key, sync.hash, sync.reason, sync.attempts);
    }, delay);
    t.unref();
    this.retryTimers.add(t);
  }

  /** Syncs waiting for their next attempt. */
  retrying = 0;
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  close(): void {
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }
}

/** The body of a RESP2 bulk reply `$n\r\n<body>\r\n`, copied. */
function bulkBody(buf: Buffer, start: number, end: number): Buffer {
  const nl = buf.indexOf(10, start);
  return Buffer.from(buf.subarray(nl + 1, end - 2));
}

function linkDb(link: MirrorLink): number {
  return link.target.upstream.target.db;
}
