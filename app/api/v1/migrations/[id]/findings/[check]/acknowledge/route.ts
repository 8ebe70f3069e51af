import { acknowledgeSchema, findingParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Approvers acknowledge a warning with notes (not the user who ran the checks). */
export const POST = route({ permission: 'approve', params: findingParams, body: acknowledgeSchema }, async ({ ctx, actor, params, body }) =>
  ctx.migrations.acknowledge(actor, params.id, params.check, body.notes),
);
