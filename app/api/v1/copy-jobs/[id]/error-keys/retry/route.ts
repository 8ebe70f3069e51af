import { copyJobParams, retryErrorKeysSchema } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const POST = route({ permission: 'operate', params: copyJobParams, body: retryErrorKeysSchema }, async ({ ctx, actor, params, body }) =>
  ctx.copyJobs.retryErrorKeys(actor, params.id, body),
);
