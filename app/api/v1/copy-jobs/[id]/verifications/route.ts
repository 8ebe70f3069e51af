import { copyJobParams } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: copyJobParams }, async ({ ctx, params }) => ({ verifications: await ctx.copyJobs.listVerifications(params.id) }));
