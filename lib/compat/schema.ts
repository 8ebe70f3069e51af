/** The compatibility report API's request shapes. */
import { z } from 'zod';
import { endpointName } from '../endpoints/schema';

export const createReportSchema = z
  .object({
    source: endpointName,
    target: endpointName,
    mirror_targets: z.array(endpointName).max(16).default([]),
    interlay: z.string().min(1).max(128).nullish(),
    conflict_policy: z.enum(['Replace', 'None', 'Merge']).default('Replace'),
    /** Same default as the copy engine: rebuild keys type by type when the target refuses a DUMP payload. */
    fallback: z.enum(['auto', 'never']).default('auto'),
    big_key_threshold_mb: z.number().positive().max(4096).default(8),
    test_run: z
      .object({
        sample_keys: z.number().int().min(1).max(10_000).default(100),
        match: z.string().min(1).max(512).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.source === v.target) ctx.addIssue({ code: 'custom', path: ['target'], message: 'target must differ from source' });
    v.mirror_targets.forEach((m, i) => {
      if (m === v.source || m === v.target) ctx.addIssue({ code: 'custom', path: ['mirror_targets', i], message: 'a mirror target must differ from source and target' });
    });
  });

export type CreateReportInput = z.infer<typeof createReportSchema>;

export const reportParams = z.object({ id: z.string().uuid('not a report id') });
export const findingParams = z.object({ id: z.string().uuid('not a report id'), check: z.string().min(1).max(64) });
export const acknowledgeSchema = z.object({ notes: z.string().trim().min(1, 'say why this is acceptable').max(4000) }).strict();
export const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();
