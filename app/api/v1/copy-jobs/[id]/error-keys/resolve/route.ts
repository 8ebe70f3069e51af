import { copyJobParams, resolveErrorKeysSchema } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const POST = route({ permission: 'operate', params: copyJobParams, body: resolveErrorKeysSchema }, async ({ ctx, actor, params, body }) =>
  ctx.copyJobs.resolveErrorKeys(actor, params.id, body),
);
