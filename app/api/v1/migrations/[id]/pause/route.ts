import { runParams, reasonSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Pauses an executing, synced or shifting run (the copy job pauses; mirroring goes on). */
export const POST = route({ permission: 'operate', params: runParams, body: reasonSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.pause(actor, params.id, body.reason));
