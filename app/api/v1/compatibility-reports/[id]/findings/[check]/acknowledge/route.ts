import { acknowledgeSchema, findingParams } from '@/lib/compat/schema';
import { route } from '@/server/api/route';

/** Approvers accept a non-blocking finding with a note; blocking ones are 409 (fix and re-run). */
export const POST = route({ permission: 'approve', params: findingParams, body: acknowledgeSchema }, async ({ ctx, actor, params, body }) =>
  ctx.compat.acknowledge(actor, params.id, params.check, body.notes),
);
