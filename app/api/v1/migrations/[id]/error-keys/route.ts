import { exportResponse } from '@/lib/copy-jobs/export';
import { errorKeysQuery, runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** JSON pages, or `?format=csv|jsonl` for a streamed export of every matching key. */
export const GET = route({ permission: 'read', params: runParams, query: errorKeysQuery }, async ({ ctx, params, query }) => {
  if (query.format === 'json') return ctx.migrations.errorKeys(params.id, query);
  return exportResponse(await ctx.migrations.exportErrorKeys(params.id, query, query.format), query.format, `migration-${params.id}-error-keys`);
});
