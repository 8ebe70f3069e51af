import { interlayParams, updateInterlaySchema } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: interlayParams }, async ({ ctx, params }) => ctx.interlays.get(params.id));

export const PATCH = route({ permission: 'operate', params: interlayParams, body: updateInterlaySchema }, async ({ ctx, actor, params, body }) =>
  ctx.interlays.update(actor, params.id, body),
);

export const DELETE = route({ permission: 'operate', params: interlayParams }, async ({ ctx, actor, params }) => {
  await ctx.interlays.delete(actor, params.id);
});
