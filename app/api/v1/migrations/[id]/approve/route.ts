import { runParams, approveSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Approves execution: approvers only, never the submitter; 409 while a blocking finding is open or a warning unacknowledged. */
export const POST = route({ permission: 'approve', params: runParams, body: approveSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.approve(actor, params.id, body.note));
