/**
 * Setup checks that need the database (the schema checks the shape): the endpoints and the
 * interlay exist, the interlay fronts the source; and the setup's hash, which approval
 * freezes.
 */
import crypto from 'node:crypto';
import { AppError, isAppError, type FieldIssue } from '../errors';
import type { MigrationSetup } from './schema';
import type { WorkflowResources } from './resources';

export async function validateSetup(res: WorkflowResources, setup: MigrationSetup, prefix = ''): Promise<void> {
  const issues: FieldIssue[] = [];
  const names: [string, string][] = [['source', setup.source], ['target', setup.target], ...setup.mirror_targets.map((m, i) => [`mirror_targets.${i}`, m] as [string, string])];
  for (const [path, name] of names) {
    try {
      await res.endpoints.get(name);
    } catch (e) {
      if (!isAppError(e) || e.code !== 'NOT_FOUND') throw e;
      issues.push({ path: prefix + path, message: `endpoint "${name}" does not exist` });
    }
  }
  try {
    const il = await res.interlays.get(setup.interlay);
    if (il.endpoint !== setup.source) issues.push({ path: `${prefix}interlay`, message: `interlay "${setup.interlay}" fronts endpoint "${il.endpoint}", not the source "${setup.source}"` });
  } catch (e) {
    if (!isAppError(e) || e.code !== 'NOT_FOUND') throw e;
    issues.push({ path: `${prefix}interlay`, message: `interlay "${setup.interlay}" does not exist` });
  }
  if (issues.length) throw new AppError('VALIDATION', `Invalid setup: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** sha256 over the setup with its keys sorted, so the same settings always hash the same. */
export function setupHash(setup: MigrationSetup): string {
  return crypto.createHash('sha256').update(canonical(setup)).digest('hex');
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
