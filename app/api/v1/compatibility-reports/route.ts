import { createReportSchema, listQuery } from '@/lib/compat/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', query: listQuery }, async ({ ctx, query }) => ({ reports: await ctx.compat.list(query.limit) }));

export const POST = route({ permission: 'operate', body: createReportSchema, status: 201 }, async ({ ctx, actor, body }) => ctx.compat.create(actor, body));
