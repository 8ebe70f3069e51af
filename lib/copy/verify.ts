/**
 * Verification, repair and retry of error keys. They reuse the copier's pieces: the same
 * key set (databases, MATCH, TYPE), the same batch copier (copyBatch) and the same
 * element-by-element comparison (typedDiff).
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Logger } from '../logger';
import type { RespValue } from '../resp/types';
import { copyBatch, DbContext } from './batch';
import { encodeKeyCommands, keyCommand } from './encode';
import { throwIfTransient } from './errors';
import { globMatch } from './glob';
import { Link } from './link';
import { keyspace, resolveDatabases, scanPlan } from './run';
import { arr, num, typedDiff } from './typed';
import {
  DEFAULTS,
  type CopyCoordination,
  type CopySpec,
  type ErrorKeyRecord,
  type Mismatch,
  type MismatchKind,
  type RepairResult,
  type VerificationResult,
  type VerifyOptions,
} from './types';

const TYPE = keyCommand(['TYPE']);
const PTTL = keyCommand(['PTTL']);
const MEMORY_USAGE = keyCommand(['MEMORY', 'USAGE']);
const DUMP = keyCommand(['DUMP']);

/** Keys compared per pipeline. */
const VERIFY_CHUNK = 500;

const silent = pino({ level: 'silent' });

async function dbPairs(spec: CopySpec): Promise<{ pairs: Array<[number, number]>; ks: Record<number, number> }> {
  const probe = new Link(spec.source, 0, 'interlay-verify');
  try {
    const ks = await keyspace(probe);
    return { pairs: await resolveDatabases(spec, ks), ks };
  } finally {
    await probe.close();
  }
}

function targetDbOf(pairs: Array<[number, number]>, db: number): number {
  return pairs.find(([s]) => s === db)?.[1] ?? db;
}

/**
 * Compares the job's key set on the source with every target. Counts every difference;
 * lists up to `maxMismatches`. A key missing on the source (expired meanwhile) is not
 * checked. Keys only on the target are not looked for (the target may hold other data).
 */
export async function verify(spec: CopySpec, opts: VerifyOptions): Promise<VerificationResult> {
  const log = (opts.log ?? silent).child({ component: 'verify' });
  const tol = opts.ttlToleranceMs ?? DEFAULTS.ttlToleranceMs;
  const max = opts.maxMismatches ?? 1000;
  const result: VerificationResult = { checked: 0, missing: 0, type_mismatch: 0, value_mismatch: 0, ttl_mismatch: 0, mismatches: [], truncated: false };
  const { pairs, ks } = await dbPairs(spec);
  const { extra, patterns, types } = scanPlan(spec);
  const tag = randomBytes(4).toString('hex');

  const note = (key: Buffer, db: number, target: number, kind: MismatchKind, detail: string) => {
    result[kind]++;
    if (result.mismatches.length < max) result.mismatches.push({ key: Buffer.from(key), db, target, kind, detail });
    else result.truncated = true;
  };

  const check = async (ctx: DbContext, keys: Buffer[]) => {
    for (let off = 0; off < keys.length; off += VERIFY_CHUNK) {
      const found: Mismatch[] = [];
      const noteChunk = (key: Buffer, db: number, target: number, kind: MismatchKind, detail: string) => {
        note(key, db, target, kind, detail);
        if (opts.onMismatches) found.push({ key: Buffer.from(key), db, target, kind, detail });
      };
      await checkChunk(ctx, keys.slice(off, off + VERIFY_CHUNK), types, tol, result, noteChunk);
      if (found.length > 0) await opts.onMismatches!(found);
    }
  };

  if (opts.keys) {
    const byDb = new Map<number, Buffer[]>();
    for (const k of opts.keys) byDb.set(k.db, [...(byDb.get(k.db) ?? []), k.key]);
    for (const [db, keys] of byDb) {
      const ctx = new DbContext(spec, db, targetDbOf(pairs, db), tag, log);
      try {
        await check(ctx, keys);
      } finally {
        await ctx.close();
      }
    }
    return result;
  }

  const total = pairs.reduce((n, [s]) => n + (ks[s] ?? 0), 0);
  const sampleSize = opts.sampleSize ?? 1000;
  // Sampling: every key is kept with probability p, so the sample spreads over the whole keyspace.
  const p = opts.mode === 'sample' ? Math.min(1, (sampleSize * 1.2) / Math.max(1, total)) : 1;
  let picked = 0;
  for (const [s, t] of pairs) {
    const ctx = new DbContext(spec, s, t, tag, log);
    try {
      let cursor = '0';
      let pending: Buffer[] = [];
      do {
        const [next, found] = arr(await ctx.scan.callOk('SCAN', cursor, 'COUNT', spec.scanCount, ...extra));
        cursor = String(next);
        for (const k of arr(found) as Buffer[]) {
          if (patterns && !patterns.some((pt) => globMatch(pt, k))) continue;
          if (p < 1 && (Math.random() >= p || picked >= sampleSize)) continue;
          picked++;
          pending.push(k);
        }
        if (pending.length >= VERIFY_CHUNK || cursor === '0') {
          await check(ctx, pending);
          pending = [];
        }
      } while (cursor !== '0' && !(opts.mode === 'sample' && picked >= sampleSize));
      if (pending.length > 0) await check(ctx, pending);
    } finally {
      await ctx.close();
    }
  }
  log.info({ checked: result.checked, missing: result.missing, type: result.type_mismatch, value: result.value_mismatch, ttl: result.ttl_mismatch }, 'verification finished');
  return result;
}

interface Side {
  type: string;
  pttl: number;
  size: number;
}

async function describe(link: Link, keys: Buffer[]): Promise<Side[]> {
  const r = await link.sendRaw(encodeKeyCommands([TYPE, PTTL, MEMORY_USAGE], keys), keys.length * 3);
  throwIfTransient(r, 'verify');
  return keys.map((_, i) => ({ type: String(r[3 * i]), pttl: num(r[3 * i + 1]), size: typeof r[3 * i + 2] === 'number' ? (r[3 * i + 2] as number) : 0 }));
}

async function checkChunk(
  ctx: DbContext,
  keys: Buffer[],
  types: Set<string> | undefined,
  tol: number,
  result: VerificationResult,
  note: (key: Buffer, db: number, target: number, kind: MismatchKind, detail: string) => void,
): Promise<void> {
  if (keys.length === 0) return;
  const spec = ctx.spec;
  const src = await describe(ctx.src, keys);
  const live: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    if (src[i].type === 'none') continue; // expired or deleted since the scan
    if (types && !types.has(src[i].type)) continue;
    live.push(i);
  }
  result.checked += live.length;
  if (live.length === 0) return;
  const liveKeys = live.map((i) => keys[i]);
  const srcLive = live.map((i) => src[i]);
  const small = (s: Side) => s.size <= spec.bigKeyThresholdBytes;
  const srcDumps = await ctx.src.sendRaw(encodeKeyCommands([DUMP], liveKeys.filter((_, j) => small(srcLive[j]))), liveKeys.filter((_, j) => small(srcLive[j])).length);

  const slow: Array<{ key: Buffer; type: string }> = [];
  for (let ti = 0; ti < ctx.tgts.length; ti++) {
    const tgt = await describe(ctx.tgts[ti], liveKeys);
    const both = liveKeys.map((_, j) => small(srcLive[j]) && tgt[j].type === srcLive[j].type && small(tgt[j]));
    const tgtDumps = await ctx.tgts[ti].sendRaw(
      encodeKeyCommands([DUMP], liveKeys.filter((_, j) => both[j])),
      both.filter(Boolean).length,
    );
    let si = 0;
    let tj = 0;
    for (let j = 0; j < liveKeys.length; j++) {
      const key = liveKeys[j];
      const s = srcLive[j];
      const t = tgt[j];
      const sd: RespValue | undefined = small(s) ? srcDumps[si++] : undefined;
      const td: RespValue | undefined = both[j] ? tgtDumps[tj++] : undefined;
      if (t.type === 'none') {
        note(key, ctx.srcDb, ti, 'missing', 'key missing on target');
        continue;
      }
      if (t.type !== s.type) {
        note(key, ctx.srcDb, ti, 'type_mismatch', `source ${s.type}, target ${t.type}`);
        continue;
      }
      const ttlDetail = ttlDiff(s.pttl, t.pttl, spec.preserveTtl, tol);
      if (ttlDetail) note(key, ctx.srcDb, ti, 'ttl_mismatch', ttlDetail);
      if (!(Buffer.isBuffer(sd) && Buffer.isBuffer(td) && sd.equals(td))) slow.push({ key, type: s.type });
    }
    // DUMPs differ (or a side is big): compare element by element. Many keys at once so
    // their round trips pipeline (hashtable-encoded sets and hashes of Redis < 7.2
    // serialise in hash-seed order, so this is common, not exceptional).
    const slowDiff = async ({ key, type }: { key: Buffer; type: string }) => {
      const diff = await typedDiff(ctx.srcSide, ctx.tgtSide[ti], key, type, spec.chunkElements ?? DEFAULTS.chunkElements, DEFAULTS.chunkStringBytes);
      if (diff !== null) note(key, ctx.srcDb, ti, 'value_mismatch', diff);
    };
    for (let i = 0; i < slow.length; i += TYPED_COMPARE_PARALLEL) {
      await Promise.all(slow.slice(i, i + TYPED_COMPARE_PARALLEL).map(slowDiff));
    }
    slow.length = 0;
  }
}

/** Element-by-element comparisons run at once (each holds at most one chunk per side). */
const TYPED_COMPARE_PARALLEL = 32;

function ttlDiff(src: number, tgt: number, preserve: boolean, tol: number): string | null {
  if (!preserve) return tgt === -1 ? null : `target expires in ${tgt} ms, expected no expiry`;
  if (src === -1 && tgt === -1) return null;
  if (src === -1) return `target expires in ${tgt} ms, source has no expiry`;
  if (tgt === -1) return `source expires in ${src} ms, target has no expiry`;
  return Math.abs(src - tgt) > tol ? `PTTL ${src} vs ${tgt} ms (tolerance ${tol})` : null;
}

/**
 * Re-copies divergent keys with Replace semantics, each to the target it differs on. A
 * key gone from the source since verification is deleted on that target.
 */
export async function repair(spec: CopySpec, mismatches: Mismatch[], opts: { log?: Logger; coordination?: CopyCoordination } = {}): Promise<RepairResult> {
  const log = opts.log ?? silent;
  const r = new Repairer(spec, log, opts.coordination);
  try {
    const out = await r.repair(mismatches);
    log.child({ component: 'repair' }).info({ repaired: out.repaired, removed: out.removed, failed: out.failed.length }, 'repair finished');
    return out;
  } finally {
    await r.close();
  }
}

export interface ScopeRepair extends RepairResult {
  /** Keys compared. */
  checked: number;
  /** Divergent keys found (one per key and target). */
  found: number;
}

/**
 * Brings every divergent key of the job's scope back, however many: a full verification
 * that repairs each chunk's divergent keys as it finds them (memory stays one chunk).
 * `onChunk` sees each chunk's outcome (e.g. to record failures) and `failed` holds only
 * the last chunk's failures.
 */
export async function repairScope(
  spec: CopySpec,
  opts: { ttlToleranceMs?: number; log?: Logger; onChunk?: (found: Mismatch[], r: RepairResult) => Promise<void>; coordination?: CopyCoordination } = {},
): Promise<ScopeRepair> {
  const log = opts.log ?? silent;
  const r = new Repairer(spec, log, opts.coordination);
  const out: ScopeRepair = { checked: 0, found: 0, repaired: 0, removed: 0, failed: [] };
  try {
    const v = await verify(spec, {
      mode: 'full',
      ttlToleranceMs: opts.ttlToleranceMs,
      maxMismatches: 0,
      log,
      onMismatches: async (found) => {
        const res = await r.repair(found);
        out.found += found.length;
        out.repaired += res.repaired;
        out.removed += res.removed;
        out.failed = res.failed;
        await opts.onChunk?.(found, res);
      },
    });
    out.checked = v.checked;
  } finally {
    await r.close();
  }
  log.child({ component: 'repair' }).info({ checked: out.checked, found: out.found, repaired: out.repaired, removed: out.removed }, 'scope repaired');
  return out;
}

/** Repairs mismatches chunk after chunk over connections kept per (db, target). */
class Repairer {
  private pairs: Array<[number, number]> | undefined;
  private readonly contexts = new Map<string, DbContext>();
  private readonly tag = randomBytes(4).toString('hex');
  private readonly log: Logger;

  constructor(
    private readonly spec: CopySpec,
    log: Logger,
    /** With live mirroring: each group's keys are in a copy window while they are read and written (run.ts runBatch). */
    private readonly coordination?: CopyCoordination,
  ) {
    this.log = log.child({ component: 'repair' });
  }

  private async ctx(db: number, target: number): Promise<DbContext> {
    this.pairs ??= (await dbPairs(this.spec)).pairs;
    const id = `${db}:${target}`;
    let c = this.contexts.get(id);
    if (!c) {
      const one: CopySpec = { ...this.spec, targets: [this.spec.targets[target]], conflictPolicy: 'Replace' };
      this.contexts.set(id, (c = new DbContext(one, db, targetDbOf(this.pairs, db), this.tag, this.log)));
    }
    return c;
  }

  async repair(mismatches: Mismatch[]): Promise<RepairResult> {
    const out: RepairResult = { repaired: 0, removed: 0, failed: [] };
    const groups = new Map<string, { db: number; target: number; keys: Map<string, Buffer> }>();
    for (const m of mismatches) {
      const id = `${m.db}:${m.target}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { db: m.db, target: m.target, keys: new Map() }));
      g.keys.set(m.key.toString('latin1'), m.key);
    }
    for (const g of groups.values()) {
      const keys = [...g.keys.values()];
      const window = this.coordination?.beginCopy(g.db, keys);
      try {
        await this.repairGroup(g, keys, out);
      } finally {
        if (this.coordination) this.coordination.endCopy(window);
      }
    }
    this.log.debug({ repaired: out.repaired, removed: out.removed, failed: out.failed.length }, 'repair chunk finished');
    return out;
  }

  /** One (db, target)'s keys: deleted on the target when gone from the source, copied with REPLACE otherwise. */
  private async repairGroup(g: { db: number; target: number }, keys: Buffer[], out: RepairResult): Promise<void> {
    const ctx = await this.ctx(g.db, g.target);
    const exists = await ctx.src.pipeline(keys.map((k) => ['EXISTS', k]));
    const gone = keys.filter((_, i) => exists[i] === 0);
    const present = keys.filter((_, i) => exists[i] !== 0);
    if (gone.length > 0) {
      await ctx.tgts[0].pipeline(gone.map((k) => ['DEL', k]));
      out.removed += gone.length;
    }
    for (let off = 0; off < present.length; off += this.spec.batchSize) {
      const r = await copyBatch(ctx, present.slice(off, off + this.spec.batchSize), 'Replace');
      out.repaired += r.counts.copied;
      out.failed.push(...r.errors.map((e) => ({ ...e, target: g.target })));
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.contexts.values()].map((c) => c.close()));
  }
}

/**
 * Copies error keys again with the spec's conflict policy (e.g. after raising the
 * target's maxmemory). Keys that fail again come back as error keys.
 */
export async function retryErrorKeys(
  spec: CopySpec,
  keys: { key: Buffer; db: number }[],
  opts: { log?: Logger; targets?: number[]; coordination?: CopyCoordination } = {},
): Promise<{ copied: number; expired: number; failed: ErrorKeyRecord[] }> {
  const log = (opts.log ?? silent).child({ component: 'retry-error-keys' });
  const { pairs } = await dbPairs(spec);
  const targetIdx = opts.targets ?? spec.targets.map((_, i) => i);
  const one: CopySpec = { ...spec, targets: targetIdx.map((i) => spec.targets[i]) };
  const byDb = new Map<number, Map<string, Buffer>>();
  for (const k of keys) {
    let m = byDb.get(k.db);
    if (!m) byDb.set(k.db, (m = new Map()));
    m.set(k.key.toString('latin1'), k.key);
  }
  const out = { copied: 0, expired: 0, failed: [] as ErrorKeyRecord[] };
  const tag = randomBytes(4).toString('hex');
  for (const [db, m] of byDb) {
    const ctx = new DbContext(one, db, targetDbOf(pairs, db), tag, log);
    try {
      const list = [...m.values()];
      for (let off = 0; off < list.length; off += spec.batchSize) {
        const batch = list.slice(off, off + spec.batchSize);
        // With live mirroring, as in a run: the batch's keys are in a copy window (run.ts runBatch).
        const window = opts.coordination?.beginCopy(db, batch);
        let r: Awaited<ReturnType<typeof copyBatch>>;
        try {
          r = await copyBatch(ctx, batch, spec.conflictPolicy);
        } finally {
          if (opts.coordination) opts.coordination.endCopy(window);
        }
        out.copied += r.counts.copied;
        out.expired += r.counts.expired;
        out.failed.push(...r.errors.map((e) => ({ ...e, target: targetIdx[e.target] })));
      }
    } finally {
      await ctx.close();
    }
  }
  log.info({ copied: out.copied, failed: out.failed.length }, 'error keys retried');
  return out;
}
