import { createCopyJobSchema, listJobsQuery } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', query: listJobsQuery }, async ({ ctx, query }) => ({ jobs: await ctx.copyJobs.list(query) }));

export const POST = route({ permission: 'operate', body: createCopyJobSchema, status: 201 }, async ({ ctx, actor, body }) => ctx.copyJobs.create(actor, body));
