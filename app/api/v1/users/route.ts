import { createUserSchema } from '@/lib/auth/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'admin' }, async ({ ctx }) => ({ users: await ctx.auth.listUsers() }));

export const POST = route({ permission: 'admin', body: createUserSchema, status: 201 }, async ({ ctx, actor, body }) => ctx.auth.createUser(actor, body));
