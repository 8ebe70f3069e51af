import { closeSchema, runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Closes a completed run before its rollback window ends (the source is retired, no rollback after), or a rolled-back run. */
export const POST = route({ permission: 'operate', params: runParams, body: closeSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.close(actor, params.id, body.reason));
