import { runParams, reasonSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Closes a run before any data moved. */
export const POST = route({ permission: 'operate', params: runParams, body: reasonSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.cancel(actor, params.id, body.reason));
