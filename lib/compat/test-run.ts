/**
 * The test run: copy a sample of source keys to the target, verify them, measure
 * throughput, then remove from the target exactly the keys this test created. Keys that
 * already exist on the target are never touched: existence is checked first, and the copy
 * RESTOREs without REPLACE, so a key that appears meanwhile fails with BUSYKEY instead of
 * being overwritten (and is then not ours to delete).
 *
 * The copy and verify go through a `SampleCopier`: the copy engine's (lib/copy,
 * engine-copier.ts), so the test run measures the same code the real copy will run.
 * A smoke test writes, reads and deletes a `__ri:smoke:<uuid>` key on every endpoint
 * and through the interlay.
 */
import type { ResolvedConn } from '../endpoints/schema';
import type { RedisConnection } from '../redis/connection';
import { RedisClientError } from '../redis/errors';
import { RespError } from '../resp/types';
import { displayKey, round } from './facts';
import { connFor, openProven, reservedKey } from './resources';
import type { CheckResult, EndpointFacts, Resources } from './types';

export interface TestRunRequest {
  sampleKeys: number;
  match?: string;
}

export interface SampleKeyRef {
  db: number;
  key: Buffer;
}

export interface SampleCopyResult {
  /** Keys now on the target because this test wrote them. */
  created: SampleKeyRef[];
  errors: { db: number; key: Buffer; message: string }[];
  bytes: number;
  ms: number;
}

export interface SampleVerifyResult {
  checked: number;
  mismatches: { db: number; key: Buffer; kind: string; detail: string }[];
}

export interface SampleCopier {
  readonly name: string;
  copy(source: ResolvedConn, target: ResolvedConn, keys: SampleKeyRef[], opts: { fallback: 'auto' | 'never' }): Promise<SampleCopyResult>;
  verify(source: ResolvedConn, target: ResolvedConn, keys: SampleKeyRef[]): Promise<SampleVerifyResult>;
}

export interface TestRunResult {
  copier: string;
  requested: number;
  match: string | null;
  selected: number;
  skipped_existing: number;
  copied: number;
  verified: number;
  mismatched: number;
  /** Keys copied and checked again because they differed at first (rewritten meanwhile). */
  rechecked: number;
  removed: number;
  bytes: number;
  duration_ms: number;
  throughput: { keys_per_sec: number; bytes_per_sec: number } | null;
  projected_full_copy_seconds: number | null;
  per_type: { type: string; selected: number; copied: number; verified: number; mismatched: number; errors: number }[];
  errors: { db: number; key: string; message: string }[];
  mismatches: { db: number; key: string; kind: string; detail: string }[];
  smoke: { where: string; ok: boolean; detail: string }[];
  error?: string;
}

function ids(k: SampleKeyRef): string {
  return `${k.db}:${k.key.toString('latin1')}`;
}

async function withDb<T>(conn: RedisConnection, home: number, db: number, fn: () => Promise<T>): Promise<T> {
  if (db !== home) {
    const r = await conn.call('SELECT', db);
    if (r instanceof RespError) throw new Error(`SELECT ${db} refused: ${r.message}`);
  }
  try {
    return await fn();
  } finally {
    if (db !== home) await conn.call('SELECT', home).catch(() => undefined);
  }
}

/** Picks up to `n` keys (optionally matching a pattern) across the source's databases. */
async function selectKeys(conn: RedisConnection, home: number, dbs: number[], n: number, match?: string): Promise<{ refs: SampleKeyRef[]; types: Map<string, string> }> {
  const refs: SampleKeyRef[] = [];
  const types = new Map<string, string>();
  for (const db of dbs) {
    if (refs.length >= n) break;
    await withDb(conn, home, db, async () => {
      let cursor = '0';
      const seen = new Set<string>();
      for (let i = 0; i < 1000 && refs.length < n; i++) {
        const r = await conn.call('SCAN', cursor, ...(match ? ['MATCH', match] : []), 'COUNT', 500);
        if (!Array.isArray(r)) break;
        cursor = String(Buffer.isBuffer(r[0]) ? r[0].toString() : r[0]);
        for (const k of r[1] as Buffer[]) {
          const ref = { db, key: k };
          // Never copy our own reserved keys (probes, smoke tests of a concurrent run).
          if (k.subarray(0, 5).toString() === '__ri:' || seen.has(ids(ref)) || refs.length >= n) continue;
          seen.add(ids(ref));
          refs.push(ref);
        }
        if (cursor === '0') break;
      }
      const mine = refs.filter((k) => k.db === db);
      const tr = await conn.pipeline(mine.map((k) => ['TYPE', k.key]));
      mine.forEach((k, i) => types.set(ids(k), tr[i] instanceof RespError ? 'unknown' : String(tr[i])));
    });
  }
  return { refs, types };
}

async function smokeOne(conn: RedisConnection): Promise<{ ok: boolean; detail: string }> {
  const key = reservedKey('smoke');
  const value = `smoke-${Date.now()}`;
  // A TTL as a safety net: if DEL is refused the key still goes away.
  const set = await conn.call('SET', key, value, 'PX', '60000');
  if (set instanceof RespError) return { ok: false, detail: `SET refused: ${set.message}` };
  const got = await conn.call('GET', key);
  const del = await conn.call('DEL', key);
  if (!Buffer.isBuffer(got) || got.toString() !== value) return { ok: false, detail: 'GET did not return the value just written' };
  if (del instanceof RespError) return { ok: false, detail: `DEL refused (key expires in 60 s): ${del.message}` };
  return { ok: true, detail: 'write, read and delete of a temporary key succeeded' };
}

export async function smokeTests(r: Resources): Promise<TestRunResult['smoke']> {
  const out: TestRunResult['smoke'] = [];
  const eps: EndpointFacts[] = [r.source, r.target, ...r.mirrors];
  for (const f of eps) {
    const conn = connFor(f, 'write');
    if (!conn) {
      out.push({ where: `${f.name} (${f.kind})`, ok: false, detail: `no write connection: ${f.roles.write?.error?.message ?? 'not configured'}` });
      continue;
    }
    out.push({ where: `${f.name} (${f.kind})`, ...(await smokeOne(conn).catch((e) => ({ ok: false, detail: (e as Error).message }))) });
  }
  if (r.interlay) {
    const where = `interlay ${r.interlay.name}`;
    if (!r.interlay.address) out.push({ where, ok: false, detail: r.interlay.error ?? 'the interlay address is unknown (is it running?)' });
    else {
      try {
        const conn = await openProven({ host: r.interlay.address.host, port: r.interlay.address.port, tls: r.interlay.address.tls ? { rejectUnauthorized: false } : false, connectTimeoutMs: 5000, commandTimeoutMs: 10_000 }, 'ri-compat-smoke');
        try {
          out.push({ where, ...(await smokeOne(conn)) });
        } finally {
          await conn.close();
        }
      } catch (e) {
        // Its secure default: clients authenticate. The report has no application
        // credentials to sign in with; the listener answering NOAUTH is what can be checked.
        if (e instanceof RedisClientError && e.code === 'NOAUTH') out.push({ where, ok: true, detail: 'the interlay answered and requires clients to AUTH; the write/read test ran on the endpoints behind it' });
        else out.push({ where, ok: false, detail: (e as Error).message });
      }
    }
  }
  return out;
}

/** Times a differing sample key is copied and checked again before it counts as a mismatch. */
const RECHECKS = 2;

export async function runTestRun(r: Resources, req: TestRunRequest, copier: SampleCopier): Promise<TestRunResult> {
  const result: TestRunResult = {
    copier: copier.name,
    requested: req.sampleKeys,
    match: req.match ?? null,
    selected: 0,
    skipped_existing: 0,
    copied: 0,
    verified: 0,
    mismatched: 0,
    rechecked: 0,
    removed: 0,
    bytes: 0,
    duration_ms: 0,
    throughput: null,
    projected_full_copy_seconds: null,
    per_type: [],
    errors: [],
    mismatches: [],
    smoke: [],
  };
  const srcRole = r.source.roles.read;
  const tgtRole = r.target.roles.write;
  const src = srcRole?.conn;
  const tgt = tgtRole?.conn;
  if (!src || !tgt || !srcRole || !tgtRole) {
    result.error = 'the source read or target write connection is not available (see the tls-auth finding)';
    result.smoke = await smokeTests(r);
    return result;
  }
  let created: SampleKeyRef[] = [];
  try {
    const dbs = r.source.keyspace.filter((d) => d.keys > 0).map((d) => d.db);
    const { refs, types } = await selectKeys(src, srcRole.settings.db, dbs, req.sampleKeys, req.match);
    result.selected = refs.length;
    // Existence on the target first: pre-existing keys are never copied over, and never deleted.
    const fresh: SampleKeyRef[] = [];
    for (const db of [...new Set(refs.map((k) => k.db))]) {
      const mine = refs.filter((k) => k.db === db);
      const ex = await withDb(tgt, tgtRole.settings.db, db, () => tgt.pipeline(mine.map((k) => ['EXISTS', k.key])));
      mine.forEach((k, i) => (ex[i] === 0 ? fresh.push(k) : result.skipped_existing++));
    }
    const copy = await copier.copy(srcRole.settings, tgtRole.settings, fresh, { fallback: r.options.fallback });
    created = copy.created;
    result.copied = copy.created.length;
    result.bytes = copy.bytes;
    result.duration_ms = round(copy.ms, 1);
    if (copy.ms > 0 && copy.created.length > 0) {
      const secs = copy.ms / 1000;
      result.throughput = { keys_per_sec: round(copy.created.length / secs, 1), bytes_per_sec: round(copy.bytes / secs, 0) };
      const total = r.source.keyspace.reduce((s, d) => s + d.keys, 0);
      result.projected_full_copy_seconds = round(total / (copy.created.length / secs), 3);
    }
    let verify = await copier.verify(srcRole.settings, tgtRole.settings, created);
    // Applications keep writing while a migration is prepared: a key rewritten between its
    // copy and its check differs for that reason alone. Such keys are copied and checked
    // again (twice at most); what still differs then is a real mismatch.
    for (let attempt = 0; attempt < RECHECKS && verify.mismatches.length > 0; attempt++) {
      const differing = new Set(verify.mismatches.map((m) => ids(m)));
      const again = created.filter((k) => differing.has(ids(k)));
      result.rechecked += again.length;
      for (const db of [...new Set(again.map((k) => k.db))]) {
        const mine = again.filter((k) => k.db === db);
        await withDb(tgt, tgtRole.settings.db, db, () => tgt.pipeline(mine.map((k) => ['DEL', k.key])));
      }
      created = created.filter((k) => !differing.has(ids(k)));
      const recopy = await copier.copy(srcRole.settings, tgtRole.settings, again, { fallback: r.options.fallback });
      created.push(...recopy.created);
      copy.errors.push(...recopy.errors);
      const second = await copier.verify(srcRole.settings, tgtRole.settings, recopy.created);
      verify = { checked: verify.checked, mismatches: second.mismatches };
    }
    result.errors = copy.errors.slice(0, 100).map((e) => ({ db: e.db, key: displayKey(e.key), message: e.message }));
    result.mismatched = verify.mismatches.length;
    result.verified = verify.checked - verify.mismatches.length;
    result.mismatches = verify.mismatches.slice(0, 100).map((m) => ({ db: m.db, key: displayKey(m.key), kind: m.kind, detail: m.detail }));

    const byType = new Map<string, TestRunResult['per_type'][number]>();
    const row = (t: string) => byType.get(t) ?? byType.set(t, { type: t, selected: 0, copied: 0, verified: 0, mismatched: 0, errors: 0 }).get(t)!;
    for (const k of refs) row(types.get(ids(k)) ?? 'unknown').selected++;
    for (const k of created) row(types.get(ids(k)) ?? 'unknown').copied++;
    const bad = new Set(verify.mismatches.map((m) => ids(m)));
    for (const k of created) if (!bad.has(ids(k))) row(types.get(ids(k)) ?? 'unknown').verified++;
    for (const m of verify.mismatches) row(types.get(ids(m)) ?? 'unknown').mismatched++;
    for (const e of copy.errors) row(types.get(ids(e)) ?? 'unknown').errors++;
    result.per_type = [...byType.values()].sort((a, b) => b.selected - a.selected);
  } catch (e) {
    result.error = (e as Error).message;
  } finally {
    // Remove exactly what this test created.
    for (const db of [...new Set(created.map((k) => k.db))]) {
      const mine = created.filter((k) => k.db === db);
      const del = await withDb(tgt, tgtRole.settings.db, db, () => tgt.pipeline(mine.map((k) => ['DEL', k.key]))).catch(() => []);
      result.removed += del.filter((x) => x === 1).length;
    }
  }
  result.smoke = await smokeTests(r);
  return result;
}

/**
 * The test run as a finding, so its outcome counts toward approval: data that does not
 * verify blocks; copy errors or a failed smoke test need an approver's acknowledgement.
 */
export function testRunFinding(t: TestRunResult): CheckResult {
  const evidence = {
    copier: t.copier,
    selected: t.selected,
    skipped_existing: t.skipped_existing,
    copied: t.copied,
    verified: t.verified,
    mismatched: t.mismatched,
    errors: t.errors.length,
    first_errors: t.errors.slice(0, 5),
    first_mismatches: t.mismatches.slice(0, 5),
    failed_smoke_tests: t.smoke.filter((s) => !s.ok),
    throughput: t.throughput,
    ...(t.error ? { error: t.error } : {}),
  };
  if (t.mismatched > 0) {
    return { severity: 'blocking', title: `${t.mismatched} test-copied key(s) differ between source and target`, evidence, remediation: 'See the test run mismatches; fix the cause (encoding, module versions, concurrent writes) and re-run.' };
  }
  const failedSmoke = t.smoke.filter((s) => !s.ok);
  if (t.error || t.errors.length > 0 || failedSmoke.length > 0 || (t.selected > 0 && t.copied === 0 && t.skipped_existing < t.selected)) {
    return {
      severity: 'warning',
      title: t.error
        ? `The test run could not complete: ${t.error}`
        : `Test run: ${t.errors.length} copy error(s)${failedSmoke.length ? `, ${failedSmoke.length} failed smoke test(s)` : ''}`,
      evidence,
      remediation: 'Read the errors (e.g. OOM on the target, NOPERM, a payload the target refuses); fix and re-run, or acknowledge if they are understood.',
    };
  }
  return { severity: 'pass', title: `Test run copied and verified ${t.verified} key(s)${t.throughput ? ` at ${t.throughput.keys_per_sec} keys/s` : ''}`, evidence, remediation: '' };
}
