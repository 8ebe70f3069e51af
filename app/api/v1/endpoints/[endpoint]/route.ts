import { endpointParams } from '@/lib/endpoints/api';
import { updateEndpointSchema } from '@/lib/endpoints/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: endpointParams }, async ({ ctx, params }) => ctx.endpoints.get(params.endpoint));

export const PATCH = route({ permission: 'operate', params: endpointParams, body: updateEndpointSchema }, async ({ ctx, actor, params, body }) =>
  ctx.endpoints.update(actor, params.endpoint, body),
);

export const DELETE = route({ permission: 'operate', params: endpointParams }, async ({ ctx, actor, params }) => {
  await ctx.endpoints.delete(actor, params.endpoint);
});
