import { createEndpointSchema } from '@/lib/endpoints/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read' }, async ({ ctx }) => ({ endpoints: await ctx.endpoints.list() }));

export const POST = route({ permission: 'operate', body: createEndpointSchema, status: 201 }, async ({ ctx, actor, body }) => ctx.endpoints.create(actor, body));
