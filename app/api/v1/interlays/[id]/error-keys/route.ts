import { exportResponse } from '@/lib/copy-jobs/export';
import { errorKeyQuery } from '@/lib/copy-jobs/schema';
import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** The keys the interlay's mirror failed on (origin `mirror`): JSON pages, or `?format=csv|jsonl` for a streamed export. */
export const GET = route({ permission: 'read', params: interlayParams, query: errorKeyQuery }, async ({ ctx, params, query }) => {
  if (query.format === 'json') return ctx.copyJobs.mirrorErrors.list(params.id, query);
  return exportResponse(await ctx.copyJobs.mirrorErrors.export(params.id, query, query.format), query.format, `interlay-${params.id}-error-keys`);
});
