/**
 * copyBatch: copies one batch of keys of one db to every target. The unit of work that
 * CopyRun checkpoints, and that retryErrorKeys / repair reuse.
 *
 * Hot path, per batch (all pipelined, one socket write each):
 *   1. source: TYPE per key when several types are filtered (+ MEMORY USAGE in
 *      'memory-usage' probe mode)
 *   2. source: DUMP + PEXPIRETIME per key and one TIME (expiry.ts: remaining TTLs as of
 *      when each was answered), on the guarded DUMP link (see `dumpGuarded`: a DUMP
 *      above the big-key threshold is refused unread, and only then is the batch probed);
 *      payloads stay zero-copy views of the reply chunks
 *   3. every target: RESTORE key ttl payload [REPLACE], encoded straight into one Buffer
 * Slow path, per key, on separate "side" connections so the hot pipelines never wait on it:
 *   BUSYKEY under None (already copied?), BUSYKEY under Merge, payload rejected by the
 *   target (type-based fallback), big keys (chunked copy).
 *
 * A transient failure (connection reset, timeout, LOADING) throws: the caller retries the
 * whole batch, which is idempotent (REPLACE, or None's "identical means copied").
 */
import type { Logger } from '../logger';
import { RedisClientError } from '../redis/errors';
import { RespError, type RespValue } from '../resp/types';
import { encodeKeyCommands, encodeRestores, keyCommand } from './encode';
import { classifyReply, CONFLICT_CLASSES, isPayloadRejection, isTransientReply, throwIfTransient, TransientError } from './errors';
import { probeExpiryRead, readDumps, SourceClock, type DumpRead, type ExpiryRead } from './expiry';
import { Link } from './link';
import { copyTyped, mergeExisting, type KeyOutcome, type TypedOptions } from './typed';
import { DEFAULTS, type BigKeyProbe, type ConflictPolicy, type CopySpec, type DbCounts, type ErrorClass, type ErrorKeyRecord } from './types';

const MEMORY_USAGE = keyCommand(['MEMORY', 'USAGE']);
const TYPE = keyCommand(['TYPE']);

/**
 * DUMP payload = serialised value + type byte + 2-byte RDB version + 8-byte CRC64; the
 * guard allows this much on top of the threshold so "big" is about the value.
 */
const DUMP_TRAILER_BYTES = 16;
/**
 * Smallest bulk the guarded DUMP link accepts whatever the threshold: the link also reads
 * INFO server (run_id check on connect, ~2 KB). Payloads between the threshold and this
 * are caught after the fact (already in memory, and small).
 */
const GUARD_MIN_BULK = 64 * 1024;
/**
 * Guard trips (distinct broken DUMP connections) after which a db probes every batch with
 * MEMORY USAGE instead: each trip costs a reconnect, a whole-key DUMP the source serialises
 * for nothing and a redo of every batch queued on that connection, so when big keys are
 * common the probe is the cheaper way.
 */
const GUARD_TRIPS_BEFORE_PROBING = 4;

/** Connections and settings for one (source db -> target db) pair. */
export class DbContext {
  readonly src: Link;
  /** DUMP + PTTL in 'guarded-dump' mode: its decoder refuses bulks above `maxSmallDump`. */
  readonly dump: Link;
  /** Longest DUMP payload of a small key (longer: a big key, copied in chunks). */
  readonly maxSmallDump: number;
  readonly srcSide: Link;
  readonly scan: Link;
  /** The source's clock (expiry.ts), read on a connection of its own. */
  readonly srcClock: Link;
  readonly clock: SourceClock;
  readonly tgts: Link[];
  readonly tgtSide: Link[];
  private guardTrips = 0;
  private lastTrip: unknown;
  private expiry: Promise<ExpiryRead> | undefined;

  constructor(
    readonly spec: CopySpec,
    readonly srcDb: number,
    readonly tgtDb: number,
    readonly tag: string,
    readonly log: Logger,
  ) {
    const name = `interlay-copy-${tag}`;
    this.src = new Link(spec.source, srcDb, name);
    this.maxSmallDump = spec.bigKeyThresholdBytes + DUMP_TRAILER_BYTES;
    this.dump = new Link(spec.source, srcDb, name, { maxBulkLength: Math.max(this.maxSmallDump, GUARD_MIN_BULK) });
    this.srcSide = new Link(spec.source, srcDb, name);
    this.scan = new Link(spec.source, srcDb, name);
    this.srcClock = new Link(spec.source, srcDb, name);
    this.clock = new SourceClock(this.srcClock);
    this.tgts = spec.targets.map((t) => new Link(t, tgtDb, name));
    this.tgtSide = spec.targets.map((t) => new Link(t, tgtDb, name));
  }

  /** How this source tells expiries (expiry.ts), probed once with a key about to be DUMPed. */
  expiryRead(key: Buffer): Promise<ExpiryRead> {
    this.expiry ??= probeExpiryRead(this.src, key).catch((err) => {
      this.expiry = undefined; // a transient failure: probe again with the retried batch
      throw err;
    });
    return this.expiry;
  }

  /** Reports the run_id every new connection to a target finds (target index, run_id, whether it is a reconnect). */
  watchTargets(seen: (target: number, runId: string, reconnected: boolean) => void): void {
    for (const links of [this.tgts, this.tgtSide]) links.forEach((l, i) => (l.onRunId = (id, again) => seen(i, id, again)));
  }

  /** Watches the source's run_id on every (re)connection; `onRestart` fires when it changes. */
  watchSource(runId: string, onRestart: (newRunId: string) => void): void {
    let known = runId;
    for (const l of [this.src, this.dump, this.srcSide, this.scan, this.srcClock]) {
      l.onRunId = (id) => {
        if (id !== '' && known !== '' && id !== known) {
          known = id;
          onRestart(id);
        }
      };
    }
  }

  /** The big-key probe this db uses now: 'guarded-dump' turns into 'memory-usage' after repeated trips. */
  get bigKeyProbe(): BigKeyProbe {
    const mode = this.spec.bigKeyProbe ?? DEFAULTS.bigKeyProbe;
    return mode === 'guarded-dump' && this.guardTrips >= GUARD_TRIPS_BEFORE_PROBING ? 'memory-usage' : mode;
  }

  /** Counts a guard trip once per broken connection (every batch queued on it sees the same error). */
  noteGuardTrip(err: unknown): void {
    if (err === this.lastTrip) return;
    this.lastTrip = err;
    this.guardTrips++;
    this.log.info({ db: this.srcDb, trips: this.guardTrips }, 'source DUMP above the big-key threshold refused unread: probing with MEMORY USAGE');
    if (this.guardTrips === GUARD_TRIPS_BEFORE_PROBING) {
      this.log.info({ db: this.srcDb }, 'big keys are common in this db: probing every batch with MEMORY USAGE from now on');
    }
  }

  typedOptions(policy: ConflictPolicy): TypedOptions {
    return {
      policy,
      preserveTtl: this.spec.preserveTtl,
      chunk: this.spec.chunkElements ?? DEFAULTS.chunkElements,
      stringChunk: DEFAULTS.chunkStringBytes,
      tag: this.tag,
    };
  }

  /** Drops every connection so the next use reconnects (after a transient failure). */
  reset(): void {
    for (const l of [this.src, this.dump, this.srcSide, this.scan, this.srcClock, ...this.tgts, ...this.tgtSide]) l.reset();
  }

  async close(): Promise<void> {
    await Promise.all([this.src, this.dump, this.srcSide, this.scan, this.srcClock, ...this.tgts, ...this.tgtSide].map((l) => l.close()));
  }
}

export interface BatchHooks {
  /** Bytes about to be restored (rate limit); may wait. */
  takeBytes?(n: number): Promise<void>;
}

export interface BatchOutcome {
  counts: DbCounts;
  errors: ErrorKeyRecord[];
  /** Per target: keys restored there without expiry on the fast path (a lower bound of what the target db holds). */
  persistent: number[];
}

// Per-key states within a batch (UNCOPIED: still to be restored on the fast path).
const UNCOPIED = 0;
const EXPIRED = 1;
const SKIPPED = 2;
const FILTERED = 3;
const BIG = 4;
const TYPED = 5;

interface Failure {
  i: number;
  target: number;
  errorClass: ErrorClass;
  retryable: boolean;
  message: string;
  type?: string;
}

/** DUMP payloads and remaining TTLs of the keys `idx` (expiry.ts). */
interface Dumped {
  idx: number[];
  read: DumpRead;
}

function emptyCounts(): DbCounts {
  return { scanned: 0, copied: 0, skipped: 0, expired: 0, conflicts: 0, errors: 0, bytes: 0 };
}

/**
 * @param typeFilter client-side TYPE filter (several types); undefined when SCAN filtered by type itself.
 */
export async function copyBatch(
  ctx: DbContext,
  keys: Buffer[],
  policy: ConflictPolicy,
  hooks: BatchHooks = {},
  typeFilter?: Set<string>,
): Promise<BatchOutcome> {
  const spec = ctx.spec;
  const n = keys.length;
  const state = new Uint8Array(n);
  const failures: Failure[] = [];
  /** DUMP payload length per key, -1 until known (reported as ErrorKeyRecord.size). */
  const dumpSize = new Float64Array(n).fill(-1);
  let bytes = 0;

  // 1. Probe: types (several TYPE filters), and sizes in 'memory-usage' mode, before any DUMP.
  const mode = ctx.bigKeyProbe;
  if (mode === 'memory-usage' || typeFilter) await probeKeys(ctx, keys, state, mode === 'memory-usage', typeFilter);
  if (spec.forceTypedCopy) for (let i = 0; i < n; i++) if (state[i] === UNCOPIED) state[i] = TYPED;

  // 2. DUMP + remaining TTL of the small keys.
  const { idx, read } = mode === 'guarded-dump' ? await dumpGuarded(ctx, keys, state) : await dumpKeys(ctx, ctx.src, keys, state);
  const m = idx.length;
  const dumpedKeys = idx.map((i) => keys[i]);
  const payloads: (Buffer | null)[] = new Array(m).fill(null);
  const ttls = new Float64Array(m).fill(-1);
  const persistent = ctx.tgts.map(() => 0);
  if (m > 0) {
    throwIfTransient(read.payloads, 'DUMP');
    throwIfTransient(read.errors, 'TTL');
    let payloadBytes = 0;
    for (let j = 0; j < m; j++) {
      const i = idx[j];
      const p = read.payloads[j];
      const left = read.left[j];
      // Gone, or expiring this very millisecond (RESTORE with ttl 0 would make it persistent).
      if (p === null || left <= 0) {
        state[i] = EXPIRED;
        continue;
      }
      if (!Buffer.isBuffer(p)) {
        const msg = p instanceof RespError ? p.message : `unexpected DUMP reply ${String(p)}`;
        // A type the source cannot serialise (module without DUMP support): nothing a target could load.
        failures.push({ i, target: 0, errorClass: /module/i.test(msg) ? 'module_type_missing' : 'other', retryable: false, message: `DUMP: ${msg}` });
        state[i] = SKIPPED; // accounted for by the failure
        continue;
      }
      if (Number.isNaN(left)) {
        failures.push({ i, target: 0, errorClass: 'other', retryable: false, message: `TTL: ${read.errors[j]?.message ?? 'unreadable'}` });
        state[i] = SKIPPED;
        continue;
      }
      dumpSize[i] = p.length;
      if (mode === 'guarded-dump' && p.length > ctx.maxSmallDump) {
        // Above the threshold yet let through (the guard's floor under tiny thresholds, or
        // the unguarded redo after an underestimating probe): big all the same.
        state[i] = BIG;
        continue;
      }
      payloads[j] = p;
      ttls[j] = spec.preserveTtl && Number.isFinite(left) ? left : 0;
      payloadBytes += p.length;
    }
    if (hooks.takeBytes) await hooks.takeBytes(payloadBytes);

    // TTL tolerance: restore with what is left now (remaining as of the replies' arrival,
    // minus the time since), so the target never outlives the source by more than the
    // RESTORE's own transit (sub-ms to a few ms).
    const elapsed = performance.now() - read.at;
    for (let j = 0; j < m; j++) {
      if (payloads[j] === null || ttls[j] <= 0) continue;
      const left = Math.ceil(ttls[j] - elapsed);
      if (left <= 0) {
        payloads[j] = null;
        state[idx[j]] = EXPIRED;
      } else {
        ttls[j] = left;
      }
    }

    // 3. RESTORE into every target.
    const { bytes: restoreBytes, count } = encodeRestores(dumpedKeys, payloads, ttls, policy === 'Replace');
    const order: number[] = [];
    for (let j = 0; j < m; j++) if (payloads[j] !== null && ttls[j] >= 0) order.push(j);
    if (count > 0) {
      const perTarget = await Promise.all(ctx.tgts.map((t) => t.sendRaw(restoreBytes, count)));
      const slow: Array<{ j: number; target: number; kind: 'dedupe' | 'merge' | 'typed' }> = [];
      for (let ti = 0; ti < perTarget.length; ti++) {
        const replies = perTarget[ti];
        for (let r = 0; r < replies.length; r++) {
          const v = replies[r];
          if (!(v instanceof RespError)) {
            if (ttls[order[r]] === 0) persistent[ti]++;
            continue;
          }
          const j = order[r];
          if (isTransientReply(v)) throw new TransientError(`RESTORE: ${v.message}`);
          if (v.code === 'BUSYKEY') slow.push({ j, target: ti, kind: policy === 'Merge' ? 'merge' : 'dedupe' });
          else if (isPayloadRejection(v) && spec.fallback === 'auto') slow.push({ j, target: ti, kind: 'typed' });
          else failures.push({ i: idx[j], target: ti, ...classifyReply(v), message: `RESTORE: ${v.message}` });
        }
      }
      for (const j of order) bytes += payloads[j]!.length;
      for (const s of slow) {
        const i = idx[s.j];
        const out = s.kind === 'typed'
          ? await copyTyped(ctx.srcSide, ctx.tgtSide[s.target], keys[i], ctx.typedOptions(policy))
          : await existing(ctx, keys[i], payloads[s.j]!, s.target, policy);
        applyOutcome(out, i, s.target);
      }
    }
  }

  // 4. Big keys and forced type-based copies: chunked, one key at a time.
  for (let i = 0; i < n; i++) {
    if (state[i] !== BIG && state[i] !== TYPED) continue;
    for (let ti = 0; ti < ctx.tgts.length && state[i] !== EXPIRED; ti++) {
      applyOutcome(await copyTyped(ctx.srcSide, ctx.tgtSide[ti], keys[i], ctx.typedOptions(policy)), i, ti);
    }
  }

  function applyOutcome(out: KeyOutcome, i: number, target: number): void {
    if (out.kind === 'copied') bytes += out.bytes;
    else if (out.kind === 'expired') state[i] = EXPIRED;
    else failures.push({ i, target, errorClass: out.errorClass, retryable: out.retryable, message: out.message, type: out.type });
  }

  // Tally: one outcome per key (a failure on any target wins over success elsewhere).
  const counts = emptyCounts();
  const worst = new Uint8Array(n); // 0 ok, 1 conflict, 2 error
  for (const f of failures) {
    const w = CONFLICT_CLASSES.includes(f.errorClass) ? 1 : 2;
    if (w > worst[f.i]) worst[f.i] = w;
  }
  for (let i = 0; i < n; i++) {
    const s = state[i];
    if (s === FILTERED) continue;
    counts.scanned++;
    if (worst[i] === 2) counts.errors++;
    else if (worst[i] === 1) counts.conflicts++;
    else if (s === EXPIRED) counts.expired++;
    else if (s === SKIPPED) counts.skipped++;
    else counts.copied++;
  }
  counts.bytes = bytes;
  const errors: ErrorKeyRecord[] = failures.map((f) => ({
    key: Buffer.from(keys[f.i]), // a copy: the original is a view pinning a socket chunk
    db: ctx.srcDb,
    type: f.type,
    size: dumpSize[f.i] >= 0 ? dumpSize[f.i] : undefined,
    errorClass: f.errorClass,
    message: f.message,
    retryable: f.retryable,
    target: f.target,
  }));
  return { counts, errors, persistent };
}

/** Indices of the keys still to copy the fast way. */
function todo(state: Uint8Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < state.length; i++) if (state[i] === UNCOPIED) idx.push(i);
  return idx;
}

/**
 * MEMORY USAGE (`sizes`) and/or TYPE (`typeFilter`) of the keys still to do, in one
 * pipeline on the unguarded source link: marks them BIG, EXPIRED or FILTERED.
 */
async function probeKeys(ctx: DbContext, keys: Buffer[], state: Uint8Array, sizes: boolean, typeFilter: Set<string> | undefined): Promise<void> {
  const idx = todo(state);
  if (idx.length === 0 || (!sizes && !typeFilter)) return;
  const cmds = typeFilter ? (sizes ? [MEMORY_USAGE, TYPE] : [TYPE]) : [MEMORY_USAGE];
  const k = cmds.length;
  const replies = await ctx.src.sendRaw(encodeKeyCommands(cmds, idx.map((i) => keys[i])), idx.length * k);
  throwIfTransient(replies, 'probe');
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    if (typeFilter) {
      const t = replies[j * k + k - 1];
      if (t === 'none') {
        state[i] = EXPIRED;
        continue;
      }
      if (!typeFilter.has(String(t))) {
        state[i] = FILTERED;
        continue;
      }
    }
    if (sizes) {
      const mu = replies[j * k];
      if (mu === null) state[i] = EXPIRED;
      else if (typeof mu === 'number' && mu > ctx.spec.bigKeyThresholdBytes) state[i] = BIG;
      // A MEMORY USAGE error (e.g. ACL without MEMORY) just means "not known big": DUMP it.
    }
  }
}

/** DUMP + remaining TTL of the keys still to do, in one pipeline on `link`. */
async function dumpKeys(ctx: DbContext, link: Link, keys: Buffer[], state: Uint8Array): Promise<Dumped> {
  const idx = todo(state);
  if (idx.length === 0) return { idx, read: { payloads: [], left: new Float64Array(0), errors: [], at: performance.now() } };
  const sel = idx.map((i) => keys[i]);
  const mode = await ctx.expiryRead(sel[0]);
  return { idx, read: await readDumps(link, sel, mode, mode === 'pttl' ? undefined : ctx.clock) };
}

/**
 * DUMP + PTTL without a MEMORY USAGE probe, memory still bounded ('guarded-dump' mode).
 *
 * Why: the source server is the bottleneck of a bulk copy, and the probe was one of its
 * three commands per key. Instead, the DUMP link's decoder refuses a bulk longer than a
 * small key's DUMP at its header, before a byte of the body is buffered, so a big key is
 * never held whole. The refusal is a protocol error that breaks the link: every reply
 * still pending on it is lost — this batch's and those of the batches queued behind it,
 * which land here too (the error names no key). Nothing has been restored or counted yet
 * at this point, so redoing is harmless: the batch is probed with MEMORY USAGE (as in
 * 'memory-usage' mode) and DUMPed again on the unguarded link, the big keys going to the
 * chunked path. The next guarded DUMP reconnects (Link.conn).
 */
async function dumpGuarded(ctx: DbContext, keys: Buffer[], state: Uint8Array): Promise<Dumped> {
  try {
    return await dumpKeys(ctx, ctx.dump, keys, state);
  } catch (err) {
    if (!isBulkRefused(err)) throw err;
    ctx.noteGuardTrip(err);
    await probeKeys(ctx, keys, state, true, undefined);
    return dumpKeys(ctx, ctx.src, keys, state);
  }
}

/**
 * The decoder refused a bulk header (longer than its maxBulkLength; also a malformed
 * length, for which the unguarded redo fails again and takes the transient-retry path).
 */
function isBulkRefused(err: unknown): boolean {
  return err instanceof RedisClientError && err.code === 'PROTOCOL' && err.cause instanceof Error && /invalid bulk length/.test(err.cause.message);
}

/**
 * RESTORE hit BUSYKEY (None or Merge). If the target already holds exactly what we
 * dumped — byte-identical DUMP, or equal element by element (a hash or set restored from
 * the same payload can serialise differently) — the key counts as copied: that is how a
 * resumed run re-copying its own uncommitted keys avoids false conflicts under None.
 */
async function existing(ctx: DbContext, key: Buffer, payload: Buffer, target: number, policy: ConflictPolicy): Promise<KeyOutcome> {
  const t = ctx.tgtSide[target];
  const theirs: RespValue = await t.call('DUMP', key);
  if (theirs instanceof RespError && isTransientReply(theirs)) throw new TransientError(`DUMP: ${theirs.message}`);
  if (Buffer.isBuffer(theirs) && theirs.equals(payload)) return { kind: 'copied', bytes: 0 };
  if (theirs === null) {
    // Gone meanwhile (expired or deleted on the target): restore it now, with its TTL.
    return copyTyped(ctx.srcSide, t, key, ctx.typedOptions(policy));
  }
  return mergeExisting(ctx.srcSide, t, key, ctx.typedOptions(policy === 'Merge' ? 'Merge' : 'None'));
}
