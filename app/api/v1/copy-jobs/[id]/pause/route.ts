import { copyJobParams } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

export const POST = route({ permission: 'operate', params: copyJobParams }, async ({ ctx, actor, params }) => ctx.copyJobs.pause(actor, params.id));
