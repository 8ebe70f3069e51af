/**
 * Source-versus-target comparison of a run, for acceptance and rollback: the copy job's
 * verification (copy jobs service, persisted with its mismatches) when the run has a copy
 * job, otherwise (mirror_only) the copy engine's verify run directly over the setup's key
 * set. Both report the same counts.
 *
 * Under live writes a comparison reads each key on the source and then on the target, so a
 * write landing in between (mirrored a moment later) shows as a difference that is gone a
 * moment after. The keys found different are therefore compared again, a moment apart, up
 * to RECHECKS times; only keys that still differ count. When the list of differences was
 * cut short (more than the engine lists), the count stands as found.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { verify } from '../copy';
import { differenceCount } from '../copy/types';
import { buildSpec } from '../copy-jobs/spec';
import { copyOptions } from './plan';
import { delay, type RunRow, type WorkflowResources } from './resources';
import type { MigrationSetup } from './schema';

/** Passes over the keys found different, and the pause before each (about one mirror round-trip under load, many times over). */
const RECHECKS = 3;
const RECHECK_PAUSE_MS = 300;
/** Keys a comparison lists; more differences than this are not re-checked. */
const LISTED = 1000;

export interface Comparison {
  /** The copy job verification's id (null: run directly). */
  verification_id: string | null;
  status: 'running' | 'completed' | 'failed';
  checked: number;
  missing: number;
  differences: number;
  error?: string;
  /** Differences found at first, before the re-check (absent: none to re-check). */
  first_differences?: number;
}

export async function startComparison(res: WorkflowResources, row: RunRow, setup: MigrationSetup, mode: 'full' | 'sample', ttlToleranceMs: number, actor: Actor = SYSTEM_ACTOR): Promise<Comparison> {
  if (row.copyJobId) {
    const v = await res.copyJobs.verify(actor, row.copyJobId, { mode, ttl_tolerance_ms: ttlToleranceMs });
    return { verification_id: v.id, status: 'running', checked: 0, missing: 0, differences: 0 };
  }
  return compareDirect(res, setup, mode, ttlToleranceMs);
}

/** The comparison's state now (a copy job verification may still run). */
export async function readComparison(res: WorkflowResources, row: RunRow, setup: MigrationSetup, c: Comparison, ttlToleranceMs: number): Promise<Comparison> {
  if (c.status !== 'running' || !c.verification_id || !row.copyJobId) return c;
  const v = await res.copyJobs.getVerification(row.copyJobId, c.verification_id, { limit: LISTED, format: 'json' });
  const out: Comparison = { verification_id: v.id, status: v.status, checked: v.counts.checked, missing: v.counts.missing, differences: v.differences, ...(v.error ? { error: v.error } : {}) };
  if (v.status !== 'completed' || v.differences === 0 || v.truncated || v.mismatches.length < v.differences) return out;
  const keys = v.mismatches.map((m) => ({ key: typeof m.key === 'string' ? Buffer.from(m.key, 'utf8') : Buffer.from(m.key.$base64, 'base64'), db: m.db }));
  return { ...out, first_differences: v.differences, ...(await recheck(res, setup, keys, ttlToleranceMs)) };
}

/** The listed keys compared again until none differs or RECHECKS passes are done: the differences that stay. */
async function recheck(res: WorkflowResources, setup: MigrationSetup, keys: { key: Buffer; db: number }[], ttlToleranceMs: number): Promise<{ differences: number; missing: number }> {
  const spec = await buildSpec(res.endpoints, copyOptions(setup));
  let left = keys;
  let found = { differences: keys.length, missing: 0 };
  for (let i = 0; i < RECHECKS && left.length > 0; i++) {
    await delay(RECHECK_PAUSE_MS);
    const r = await verify(spec, { mode: 'full', keys: unique(left), ttlToleranceMs, maxMismatches: LISTED, log: res.log });
    found = { differences: differenceCount(r), missing: r.missing };
    left = r.mismatches.map((m) => ({ key: m.key, db: m.db }));
  }
  return found;
}

function unique(keys: { key: Buffer; db: number }[]): { key: Buffer; db: number }[] {
  const seen = new Map<string, { key: Buffer; db: number }>();
  for (const k of keys) seen.set(`${k.db}:${k.key.toString('base64')}`, k);
  return [...seen.values()];
}

async function compareDirect(res: WorkflowResources, setup: MigrationSetup, mode: 'full' | 'sample', ttlToleranceMs: number): Promise<Comparison> {
  try {
    const spec = await buildSpec(res.endpoints, copyOptions(setup));
    const r = await verify(spec, { mode, ttlToleranceMs, maxMismatches: LISTED, log: res.log });
    const out: Comparison = { verification_id: null, status: 'completed', checked: r.checked, missing: r.missing, differences: differenceCount(r) };
    if (out.differences === 0 || r.truncated) return out;
    return { ...out, first_differences: out.differences, ...(await recheck(res, setup, r.mismatches, ttlToleranceMs)) };
  } catch (e) {
    return { verification_id: null, status: 'failed', checked: 0, missing: 0, differences: 0, error: (e as Error).message };
  }
}
