import { auditQuerySchema } from '@/lib/audit/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', query: auditQuerySchema }, async ({ ctx, query }) => ({
  entries: await ctx.audit.list({ objectType: query.object_type, objectId: query.object_id, limit: query.limit, before: query.before }),
}));
