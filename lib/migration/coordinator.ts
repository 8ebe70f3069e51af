/**
 * KeyCoordinator: what the interlay's mirroring and the bulk copier tell each other about
 * keys, so that once the copy has finished and mirroring has drained, every key on the
 * target equals the source. The design and the argument for it are in README.md; in short:
 *
 * - Every write is in flight on the primary from its send to its reply, on some *group*
 *   (one backend connection: its replies come back in the order the server applied its
 *   commands). Mirroring a write as a command, at its primary reply, in reply order, is
 *   exact as long as no write to the same key was in flight on another group at the same
 *   time. When one was (a conflict), the order the server applied them cannot be known, so
 *   those writes are not replayed: the key is synced by state (DUMP from the truth, RESTORE
 *   on the others) once nothing is in flight on it any more.
 * - A write's effect travels the *pipeline* from its send until every secondary applied
 *   it. The copier opens a *copy window* on a batch of keys before it DUMPs them and closes
 *   it when their RESTOREs are answered. A key whose window overlapped a write in the
 *   pipeline may have been restored from a dump older than a write the mirror applied
 *   before it (or newer than one it applies after it): it is synced by state after the
 *   window closes.
 *
 * Memory is fixed: counters live in typed arrays indexed by a hash of (db, key); hash
 * collisions only ever cause extra state syncs, never a missed one. Key names are kept
 * only for keys that need a sync (bounded by what is in flight and in open windows).
 */

/** Group of the coordinator's own state-sync reads. */
export const SYNC_GROUP = 1;
const MIXED = -1;

export interface KeyRef {
  db: number;
  key: Buffer;
}

export type SyncReason = 'conflict' | 'nondeterministic' | 'copy_overlap' | 'mirror_failed' | 'diverged' | 'overflow' | 'requested';

export interface CopyWindow {
  readonly db: number;
  readonly keys: readonly Buffer[];
  readonly epoch: number;
}

export interface PendingSync extends KeyRef {
  hash: number;
  reason: SyncReason;
  /** When it was requested (ms). */
  since: number;
  /** Earlier attempts that met an unreachable side. */
  attempts: number;
}

export interface CoordinatorStats {
  /** Keys waiting for a state sync (names held). */
  pendingSyncs: number;
  /** State syncs started so far. */
  syncsStarted: number;
  conflicts: number;
  copyOverlaps: number;
  /** Writes in flight on the primary / in the mirror pipeline. */
  inflight: number;
  pipeline: number;
  openCopyWindows: number;
}

export class KeyCoordinator {
  readonly mask: number;
  private readonly srcInflight: Int32Array;
  private readonly owner: Int32Array;
  private readonly pipe: Int32Array;
  private readonly copyWin: Int32Array;
  /** Keys to sync by state, by hash (a hash may stand for several keys). */
  private readonly pending = new Map<number, Map<string, PendingSync>>();
  private nPending = 0;
  /** Keys a write touched while a copy window on their hash was open, by hash. */
  private readonly copyDirty = new Map<number, Map<string, KeyRef>>();
  private totalInflight = 0;
  private totalPipe = 0;
  private openWindows = 0;
  /** State syncs taken (takeReady) and not yet applied everywhere (syncDone). */
  private syncsOutstanding = 0;
  private syncsStarted = 0;
  private conflicts = 0;
  private overlaps = 0;
  /** Bumped by FLUSHDB/FLUSHALL/SWAPDB of a db: a copy window that saw one resyncs all its keys. */
  private readonly flushEpoch = new Map<number, number>();
  /** Called when a pending key may have become ready (its hash went quiet). */
  onReady: () => void = () => undefined;

  constructor(bits = 18) {
    const size = 1 << bits;
    this.mask = size - 1;
    this.srcInflight = new Int32Array(size);
    this.owner = new Int32Array(size);
    this.pipe = new Int32Array(size);
    this.copyWin = new Int32Array(size);
  }

  /** FNV-1a over the db and the key's bytes, masked to the table. */
  hash(db: number, buf: Buffer, start = 0, end = buf.length): number {
    let h = (0x811c9dc5 ^ (db & 0xff)) >>> 0;
    h = Math.imul(h, 0x01000193);
    for (let i = start; i < end; i++) {
      h ^= buf[i];
      h = Math.imul(h, 0x01000193);
    }
    return (h >>> 0) & this.mask;
  }

  // ---- the write path ----------------------------------------------------------------------

  /**
   * A write on `group` touching hash h is sent to the primary (and enters the pipeline).
   * Returns a bit set: 1 = conflicts with another group in flight (mirror by state),
   * 2 = a copy window is open on h (the caller reports the key with `copyTouched`).
   */
  beginWrite(group: number, h: number): number {
    let out = 0;
    const n = this.srcInflight[h];
    if (n === 0) this.owner[h] = group;
    else if (this.owner[h] !== group) {
      this.owner[h] = MIXED;
      out |= 1;
      this.conflicts++;
    }
    this.srcInflight[h] = n + 1;
    this.totalInflight++;
    this.pipe[h]++;
    this.totalPipe++;
    if (this.copyWin[h] > 0) out |= 2;
    return out;
  }

  /** The primary answered a write on h (or it failed there). */
  primaryDone(h: number): void {
    const n = --this.srcInflight[h];
    this.totalInflight--;
    if (n === 0 && this.pending.has(h)) this.onReady();
  }

  /** Every secondary applied (or gave up on) a write on h. */
  pipelineDone(h: number): void {
    this.pipe[h]--;
    this.totalPipe--;
  }

  /** The group of what is in flight on h: a group number, MIXED (-1), or 0 when nothing is. */
  inflightGroup(h: number): number {
    return this.srcInflight[h] === 0 ? 0 : this.owner[h];
  }

  // ---- state syncs --------------------------------------------------------------------------

  requestSync(db: number, key: Buffer, h: number, reason: SyncReason, attempts = 0): void {
    let m = this.pending.get(h);
    if (m === undefined) this.pending.set(h, (m = new Map()));
    const id = `${db}:${key.toString('latin1')}`;
    if (m.has(id)) return;
    m.set(id, { db, key: Buffer.from(key), hash: h, reason, since: Date.now(), attempts });
    this.nPending++;
    if (this.srcInflight[h] === 0 || this.owner[h] !== MIXED) this.onReady();
  }

  /**
   * Pending syncs that can start now, removed from the pending set and counted in flight on
   * the group that will read them: a key with nothing in flight (read on SYNC_GROUP), or one
   * whose in-flight writes are all on one group `canReadOn` accepts (read on that group, in
   * its order). `max` bounds one call.
   */
  takeReady(max: number, canReadOn: (group: number) => boolean): { sync: PendingSync; group: number }[] {
    const out: { sync: PendingSync; group: number }[] = [];
    for (const [h, m] of this.pending) {
      if (out.length >= max) break;
      const n = this.srcInflight[h];
      let group: number;
      if (n === 0) group = SYNC_GROUP;
      else if (this.owner[h] !== MIXED && canReadOn(this.owner[h])) group = this.owner[h];
      else continue;
      this.pending.delete(h);
      for (const sync of m.values()) {
        out.push({ sync, group });
        this.nPending--;
        this.syncsOutstanding++;
        this.beginWrite(group, h);
      }
    }
    return out;
  }

  /** A sync's read is answered (the caller then calls pipelineDone once it is applied everywhere). */
  syncRead(h: number): void {
    this.syncsStarted++;
    this.primaryDone(h);
  }

  /** A sync taken by takeReady was applied everywhere, or given up (after its pipelineDone). */
  syncDone(): void {
    this.syncsOutstanding--;
  }

  get pendingCount(): number {
    return this.nPending;
  }

  /**
   * Some key's value on the other side may be wrong right now: a copy window is open, or a
   * state sync is waiting or running (it exists because a key is known to differ). A write
   * that reads one key to write another (RENAME, SMOVE, SUNIONSTORE …) must then not be
   * replayed: replayed over a stale key it would copy the staleness to a key nothing would
   * resync. Such writes go by state for all their keys while this holds.
   */
  get unsettled(): boolean {
    return this.openWindows > 0 || this.nPending > 0 || this.syncsOutstanding > 0;
  }

  /** Nothing in flight, nothing in the pipeline, nothing waiting: the sides agree (as far as writes go). */
  get quiet(): boolean {
    return this.totalInflight === 0 && this.totalPipe === 0 && this.nPending === 0;
  }

  // ---- copy windows ------------------------------------------------------------------------

  /**
   * The copier is about to DUMP these keys. A key with a write in the pipeline right now is
   * synced after the window closes. Returns the window's token for `endCopy`.
   */
  beginCopy(db: number, keys: readonly Buffer[]): CopyWindow {
    this.openWindows++;
    for (const k of keys) {
      const h = this.hash(db, k);
      if (this.pipe[h] > 0) this.copyTouched(db, k, h);
      this.copyWin[h]++;
    }
    return { db, keys, epoch: this.flushEpoch.get(db) ?? 0 };
  }

  /**
   * A FLUSHDB/FLUSHALL/SWAPDB went through the mirror for this db (mirrored in order like
   * any write). A copy window open across it may restore keys the wipe removed: its keys
   * are all synced by state when it closes.
   */
  flushed(db: number): void {
    this.flushEpoch.set(db, (this.flushEpoch.get(db) ?? 0) + 1);
  }

  /** A write touched a key while a window on its hash was open (beginWrite returned bit 2). */
  copyTouched(db: number, key: Buffer, h: number): void {
    let m = this.copyDirty.get(h);
    if (m === undefined) this.copyDirty.set(h, (m = new Map()));
    const id = `${db}:${key.toString('latin1')}`;
    if (!m.has(id)) {
      m.set(id, { db, key: Buffer.from(key) });
      this.overlaps++;
    }
  }

  /** The copier's RESTOREs of the window's keys are answered (or failed): overlapped keys get a state sync. */
  endCopy(w: CopyWindow): void {
    this.openWindows--;
    const wiped = (this.flushEpoch.get(w.db) ?? 0) !== w.epoch;
    for (const k of w.keys) {
      const h = this.hash(w.db, k);
      if (wiped) this.requestSync(w.db, k, h, 'copy_overlap');
      if (--this.copyWin[h] > 0) continue;
      const dirty = this.copyDirty.get(h);
      if (dirty === undefined) continue;
      this.copyDirty.delete(h);
      for (const r of dirty.values()) this.requestSync(r.db, r.key, h, 'copy_overlap');
    }
  }

  stats(): CoordinatorStats {
    return {
      pendingSyncs: this.nPending,
      syncsStarted: this.syncsStarted,
      conflicts: this.conflicts,
      copyOverlaps: this.overlaps,
      inflight: this.totalInflight,
      pipeline: this.totalPipe,
      openCopyWindows: this.openWindows,
    };
  }
}
