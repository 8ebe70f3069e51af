/**
 * Request schemas of the copy job API and the stored job options. Options keep the API's
 * snake_case names and reference endpoints by name, so a stored job holds no host and no
 * password; connection settings are resolved from the endpoints each time a run starts.
 */
import { z } from 'zod';
import { endpointName } from '../endpoints/schema';
import { COPY_JOB_STATES } from './state';

export const CONFLICT_POLICIES = ['Replace', 'None', 'Merge'] as const;
export const ERROR_CLASSES = [
  'conflict',
  'target_rejected_payload',
  'target_oom',
  'timeout',
  'permission',
  'module_type_missing',
  'merge_undefined',
  'connection',
  'other',
  // Mirror errors (origin `mirror`, mirror-errors.ts).
  'mirror_failed',
  'mirror_diverged',
  'mirror_overflow',
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** Redis core types the UI offers; module types (e.g. ReJSON-RL) are accepted by name too. */
export const KNOWN_TYPES = ['string', 'list', 'set', 'zset', 'hash', 'stream', 'ReJSON-RL', 'MBbloom--', 'TSDB-TYPE'] as const;

const dbIndex = z.number().int().min(0).max(65535);

export const rateLimitSchema = z
  .object({
    keys_per_sec: z.number().positive().max(10_000_000).optional(),
    mb_per_sec: z.number().positive().max(100_000).optional(),
  })
  .strict();

export const createCopyJobSchema = z
  .object({
    source: endpointName,
    targets: z.array(endpointName).min(1, 'at least one target').max(16),
    match: z.array(z.string().min(1).max(1024)).max(64).optional(),
    types: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a Redis type name, e.g. hash'))
      .max(32)
      .optional(),
    /** Source db → target db; only the listed dbs are copied. */
    databases: z.record(z.string().regex(/^\d{1,5}$/, 'a database number'), dbIndex).optional(),
    conflict_policy: z.enum(CONFLICT_POLICIES).default('Replace'),
    preserve_ttl: z.boolean().default(true),
    rate_limit: rateLimitSchema.optional(),
    batch_size: z.number().int().min(1).max(10_000).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
    scan_count: z.number().int().min(1).max(100_000).optional(),
    big_key_threshold_mb: z.number().positive().max(4096).optional(),
    fallback: z.enum(['auto', 'never']).optional(),
  })
  .strict()
  .superRefine((v, c) => {
    const seen = new Set<string>();
    v.targets.forEach((t, i) => {
      if (t === v.source) c.addIssue({ code: 'custom', path: ['targets', i], message: 'a target cannot be the source' });
      else if (seen.has(t)) c.addIssue({ code: 'custom', path: ['targets', i], message: 'listed twice' });
      seen.add(t);
    });
  });

export type CreateCopyJobInput = z.infer<typeof createCopyJobSchema>;
/** What a job row stores in `spec`: the create request with defaults applied. */
export type CopyJobOptions = CreateCopyJobInput;

export const updateCopyJobSchema = z.object({ rate_limit: rateLimitSchema.nullable() }).strict();

export const copyJobParams = z.object({ id: z.uuid('not a copy job id') });
export const verificationParams = z.object({ id: z.uuid('not a copy job id'), vid: z.uuid('not a verification id') });

export const listJobsQuery = z.object({
  status: z.enum(COPY_JOB_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const boolParam = z.enum(['true', 'false']).transform((s) => s === 'true');

export const errorKeyQuery = z.object({
  class: z.enum(ERROR_CLASSES).optional(),
  db: z.coerce.number().int().min(0).max(65535).optional(),
  target: z.coerce.number().int().min(0).max(15).optional(),
  resolved: boolParam.optional(),
  search: z.string().min(1).max(1024).optional(),
  cursor: z.string().regex(/^\d{1,19}$/, 'a cursor from next_cursor').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(['json', 'csv', 'jsonl']).default('json'),
});
export type ErrorKeyQuery = z.infer<typeof errorKeyQuery>;

/** An export's query: the filters, and CSV unless JSON Lines is asked for. */
export const errorKeyExportQuery = errorKeyQuery.extend({ format: z.enum(['csv', 'jsonl']).default('csv') });

const ids = z.array(z.string().regex(/^\d{1,19}$/, 'an error key id')).min(1).max(10_000);

export const retryErrorKeysSchema = z
  .object({ class: z.enum(ERROR_CLASSES).optional(), ids: ids.optional(), db: dbIndex.optional() })
  .strict();
export type RetryErrorKeysInput = z.infer<typeof retryErrorKeysSchema>;

export const resolveErrorKeysSchema = z
  .object({ ids: ids.optional(), class: z.enum(ERROR_CLASSES).optional(), db: dbIndex.optional(), note: z.string().min(1, 'say why').max(2000) })
  .strict()
  .refine((v) => v.ids || v.class || v.db !== undefined, { message: 'give ids, a class or a db to resolve', path: ['ids'] });
export type ResolveErrorKeysInput = z.infer<typeof resolveErrorKeysSchema>;

export const verifySchema = z
  .object({
    mode: z.enum(['full', 'sample']).default('sample'),
    sample_size: z.number().int().min(1).max(10_000_000).optional(),
    ttl_tolerance_ms: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();
export type VerifyInput = z.infer<typeof verifySchema>;

/** The engine's mismatch kinds (lib/copy/types.ts MismatchKind). */
export const MISMATCH_KINDS = ['missing', 'type_mismatch', 'value_mismatch', 'ttl_mismatch'] as const;

export const mismatchQuery = z.object({
  kind: z.enum(MISMATCH_KINDS).optional(),
  cursor: z.string().regex(/^\d{1,19}$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  format: z.enum(['json', 'csv', 'jsonl']).default('json'),
});
export type MismatchQuery = z.infer<typeof mismatchQuery>;
