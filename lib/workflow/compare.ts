/**
 * Source-versus-target comparison of a run, for acceptance and rollback: the copy job's
 * verification (copy jobs service, persisted with its mismatches) when the run has a copy
 * job, otherwise (mirror_only) the copy engine's verify run directly over the setup's key
 * set. Both report the same counts.
 */
import { SYSTEM_ACTOR, type Actor } from '../auth/roles';
import { verify } from '../copy';
import { buildSpec } from '../copy-jobs/spec';
import type { RunRow, WorkflowResources } from './resources';
import type { MigrationSetup } from './schema';

export interface Comparison {
  /** The copy job verification's id (null: run directly). */
  verification_id: string | null;
  status: 'running' | 'completed' | 'failed';
  checked: number;
  missing: number;
  differences: number;
  error?: string;
}

export async function startComparison(res: WorkflowResources, row: RunRow, setup: MigrationSetup, mode: 'full' | 'sample', ttlToleranceMs: number, actor: Actor = SYSTEM_ACTOR): Promise<Comparison> {
  if (row.copyJobId) {
    const v = await res.copyJobs.verify(actor, row.copyJobId, { mode, ttl_tolerance_ms: ttlToleranceMs });
    return { verification_id: v.id, status: 'running', checked: 0, missing: 0, differences: 0 };
  }
  return compareDirect(res, setup, mode, ttlToleranceMs);
}

/** The comparison's state now (a copy job verification may still run). */
export async function readComparison(res: WorkflowResources, row: RunRow, c: Comparison): Promise<Comparison> {
  if (c.status !== 'running' || !c.verification_id || !row.copyJobId) return c;
  const v = await res.copyJobs.getVerification(row.copyJobId, c.verification_id, { limit: 1, format: 'json' });
  return { verification_id: v.id, status: v.status, checked: v.counts.checked, missing: v.counts.missing, differences: v.differences, ...(v.error ? { error: v.error } : {}) };
}

async function compareDirect(res: WorkflowResources, setup: MigrationSetup, mode: 'full' | 'sample', ttlToleranceMs: number): Promise<Comparison> {
  try {
    const spec = await buildSpec(res.endpoints, {
      source: setup.source,
      targets: [setup.target, ...setup.mirror_targets],
      match: setup.key_filters.match,
      types: setup.key_filters.types,
      databases: setup.databases,
      conflict_policy: 'Replace',
      preserve_ttl: setup.preserve_ttl,
    });
    const r = await verify(spec, { mode, ttlToleranceMs, maxMismatches: 100, log: res.log });
    return { verification_id: null, status: 'completed', checked: r.checked, missing: r.missing, differences: r.missing + r.type_mismatch + r.value_mismatch + r.ttl_mismatch };
  } catch (e) {
    return { verification_id: null, status: 'failed', checked: 0, missing: 0, differences: 0, error: (e as Error).message };
  }
}
