import { retryErrorKeysSchema } from '@/lib/copy-jobs/schema';
import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** Re-syncs the mirror error keys (all, or those matching) from the interlay's primary; synced keys are resolved. */
export const POST = route({ permission: 'operate', params: interlayParams, body: retryErrorKeysSchema }, async ({ ctx, actor, params, body }) =>
  ctx.copyJobs.mirrorErrors.retry(actor, params.id, body),
);
