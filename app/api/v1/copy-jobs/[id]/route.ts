import { copyJobParams, updateCopyJobSchema } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: copyJobParams }, async ({ ctx, params }) => ctx.copyJobs.get(params.id));

/** Adjusts the rate limit, also while the job runs (`null` removes it). */
export const PATCH = route({ permission: 'operate', params: copyJobParams, body: updateCopyJobSchema }, async ({ ctx, actor, params, body }) =>
  ctx.copyJobs.setRateLimit(actor, params.id, body.rate_limit),
);
