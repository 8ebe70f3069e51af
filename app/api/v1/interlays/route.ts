import { createInterlaySchema } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read' }, async ({ ctx }) => ({ interlays: await ctx.interlays.list() }));

export const POST = route({ permission: 'operate', body: createInterlaySchema, status: 201 }, async ({ ctx, actor, body }) => ctx.interlays.create(actor, body));
