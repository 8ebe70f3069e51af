import { runParams, trafficSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Moves traffic to the next or previous plan step (a jump needs force and a reason). */
export const POST = route({ permission: 'operate', params: runParams, body: trafficSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.moveTraffic(actor, params.id, body));
