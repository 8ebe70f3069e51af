import { createRunSchema, listRunsQuery } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', query: listRunsQuery }, async ({ ctx, query }) => ({ migrations: await ctx.migrations.list(query) }));

/** A draft run; with `setup`, submitted at once. */
export const POST = route({ permission: 'operate', body: createRunSchema, status: 201 }, async ({ ctx, actor, body }) => ctx.migrations.create(actor, body));
