/**
 * A job's engine spec: the stored options (endpoints by name, no host, no password) plus
 * connection settings resolved from the endpoints at every (re)start, so a changed
 * endpoint password or host applies to the next run.
 */
import { withDefaults, type CopySpec, type RateLimit, type RedisTarget } from '../copy/types';
import { AppError, isAppError, type FieldIssue } from '../errors';
import type { CopyJobResources } from './resources';
import type { CopyJobOptions } from './schema';

const MB = 1024 * 1024;

/**
 * The source's read connection and each target's write connection. A missing endpoint or
 * role is a 400 naming the field.
 */
export async function buildSpec(endpoints: CopyJobResources['endpoints'], options: CopyJobOptions): Promise<CopySpec> {
  const issues: FieldIssue[] = [];
  const conn = async (name: string, role: 'read' | 'write', path: string): Promise<RedisTarget | undefined> => {
    try {
      const c = (await endpoints.settings(name)).roles[role];
      if (!c) {
        issues.push({ path, message: `endpoint "${name}" has no ${role} connection` });
        return undefined;
      }
      const { role: _r, ...rest } = c;
      return rest as RedisTarget;
    } catch (e) {
      if (isAppError(e) && e.code === 'NOT_FOUND') {
        issues.push({ path, message: `no endpoint named "${name}"` });
        return undefined;
      }
      throw e;
    }
  };
  const source = await conn(options.source, 'read', 'source');
  const targets = await Promise.all(options.targets.map((t, i) => conn(t, 'write', `targets.${i}`)));
  if (issues.length || !source) {
    throw new AppError('VALIDATION', `Invalid copy job: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }
  const spec: Record<string, unknown> = {
    source,
    targets: targets as RedisTarget[],
    match: options.match?.length ? options.match : undefined,
    types: options.types?.length ? options.types : undefined,
    databases: options.databases && Object.keys(options.databases).length ? options.databases : undefined,
    conflictPolicy: options.conflict_policy,
    preserveTtl: options.preserve_ttl,
    rateLimit: engineRate(options.rate_limit),
    batchSize: options.batch_size,
    concurrency: options.concurrency,
    scanCount: options.scan_count,
    bigKeyThresholdBytes: options.big_key_threshold_mb !== undefined ? Math.round(options.big_key_threshold_mb * MB) : undefined,
    fallback: options.fallback,
  };
  // withDefaults spreads the spec over the defaults: an explicit undefined would win.
  for (const k of Object.keys(spec)) if (spec[k] === undefined) delete spec[k];
  return withDefaults(spec as never);
}

/** The API's rate limit (keys/s, MB/s) in the engine's units; undefined when unlimited. */
export function engineRate(r: { keys_per_sec?: number; mb_per_sec?: number } | undefined): RateLimit | undefined {
  if (!r || (!r.keys_per_sec && !r.mb_per_sec)) return undefined;
  return { ...(r.keys_per_sec ? { keysPerSec: r.keys_per_sec } : {}), ...(r.mb_per_sec ? { bytesPerSec: Math.round(r.mb_per_sec * MB) } : {}) };
}

/** Only target `index`: retry and repair work one target at a time. */
export function forTarget(spec: CopySpec, index: number): CopySpec {
  return { ...spec, targets: [spec.targets[index]!] };
}
