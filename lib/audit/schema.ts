import { z } from 'zod';

/** Audit ids are PostgreSQL bigints: a cursor past their range is a bad request, not a database error. */
const MAX_BIGINT = 2n ** 63n - 1n;

export const auditQuerySchema = z.object({
  object_type: z.string().max(64).optional(),
  object_id: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  /** Entries with a smaller id than this (the `id` of the last entry of the previous page). */
  before: z
    .string()
    .regex(/^\d{1,19}$/, 'must be an entry id (a positive integer)')
    .transform((v) => BigInt(v))
    .refine((v) => v <= MAX_BIGINT, 'is larger than any entry id')
    .optional(),
});
