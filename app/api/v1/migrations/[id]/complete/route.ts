import { runParams, completeSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Completes an accepted run; the rollback window opens. */
export const POST = route({ permission: 'operate', params: runParams, body: completeSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.complete(actor, params.id, body.note));
