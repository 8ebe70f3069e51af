import { exportResponse } from '@/lib/copy-jobs/export';
import { errorKeyExportQuery } from '@/lib/copy-jobs/schema';
import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** Every matching mirror error key, streamed as CSV (default) or JSON Lines (`?format=jsonl`). */
export const GET = route({ permission: 'read', params: interlayParams, query: errorKeyExportQuery }, async ({ ctx, params, query }) =>
  exportResponse(await ctx.copyJobs.mirrorErrors.export(params.id, query, query.format), query.format, `interlay-${params.id}-error-keys`),
);
