import { runParams, rollbackSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Rolls back (operators, admins or the named rollback approver: the service checks); the host moves traffic back stage by stage. */
export const POST = route({ permission: 'read', params: runParams, body: rollbackSchema, status: 202 }, async ({ ctx, actor, params, body }) => ctx.migrations.rollback(actor, params.id, body.reason));
