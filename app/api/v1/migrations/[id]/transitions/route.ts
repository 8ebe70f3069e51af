import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: runParams }, async ({ ctx, params }) => ({ transitions: await ctx.migrations.transitions(params.id) }));
