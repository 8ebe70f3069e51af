import { exportResponse } from '@/lib/copy-jobs/export';
import { mismatchQuery, verificationParams } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

/** The report with a page of mismatched keys, or `?format=csv|jsonl` for a streamed export. */
export const GET = route({ permission: 'read', params: verificationParams, query: mismatchQuery }, async ({ ctx, params, query }) => {
  if (query.format === 'json') return ctx.copyJobs.getVerification(params.id, params.vid, query);
  const stream = await ctx.copyJobs.exportMismatches(params.id, params.vid, query, query.format);
  return exportResponse(stream, query.format, `copy-job-${params.id}-verification-${params.vid}`);
});
