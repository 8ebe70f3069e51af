import { z } from 'zod';
import { createTokenSchema } from '@/lib/auth/schema';
import { route } from '@/server/api/route';

const listQuery = z.object({ all: z.enum(['true', 'false']).optional() });

/** Every role may hold tokens of its own; an admin may list everyone's with ?all=true. */
export const GET = route({ permission: 'read', query: listQuery }, async ({ ctx, actor, query }) => ({
  tokens: await ctx.auth.listTokens(actor, query.all === 'true'),
}));

export const POST = route({ permission: 'read', body: createTokenSchema, status: 201 }, async ({ ctx, actor, body }) => ctx.auth.createToken(actor, body));
