import { z } from 'zod';
import { route } from '@/server/api/route';

const query = z.object({
  object_type: z.string().max(64).optional(),
  object_id: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  before: z.string().regex(/^\d+$/).optional(),
});

export const GET = route({ permission: 'read', query }, async ({ ctx, query }) => ({
  entries: await ctx.audit.list({ objectType: query.object_type, objectId: query.object_id, limit: query.limit, before: query.before ? BigInt(query.before) : undefined }),
}));
