import { interlayParams, routingInputSchema } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** The live path: stage, policy, target, mirrors, canary/shadow shares, and whether the target is in sync. */
export const GET = route({ permission: 'read', params: interlayParams }, async ({ ctx, params }) => ctx.interlays.getRouting(params.id));

/** Moves the interlay to a stage (live; 409 for a move the rules refuse without `force` and a `reason`). */
export const PUT = route({ permission: 'operate', params: interlayParams, body: routingInputSchema }, async ({ ctx, actor, params, body }) =>
  ctx.interlays.setRouting(actor, params.id, body),
);
