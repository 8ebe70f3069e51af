import { copyJobParams } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: copyJobParams }, async ({ ctx, params }) => ({ transitions: await ctx.copyJobs.transitions(params.id) }));
