import { exportResponse } from '@/lib/copy-jobs/export';
import { copyJobParams, errorKeyQuery } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

/** JSON pages, or `?format=csv|jsonl` for a streamed export of every matching row. */
export const GET = route({ permission: 'read', params: copyJobParams, query: errorKeyQuery }, async ({ ctx, params, query }) => {
  if (query.format === 'json') return ctx.copyJobs.listErrorKeys(params.id, query);
  const stream = await ctx.copyJobs.exportErrorKeys(params.id, query, query.format);
  return exportResponse(stream, query.format, `copy-job-${params.id}-error-keys`);
});
