import { copyJobParams, verifySchema } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

/** Starts a verification in the background: 202 with status "running"; poll the verification. */
export const POST = route({ permission: 'operate', params: copyJobParams, body: verifySchema, status: 202 }, async ({ ctx, actor, params, body }) =>
  ctx.copyJobs.verify(actor, params.id, body),
);
