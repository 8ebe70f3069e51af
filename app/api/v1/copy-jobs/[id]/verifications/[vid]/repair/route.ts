import { verificationParams } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

/** Re-copies the divergent keys of the verification; answers with the repaired count. */
export const POST = route({ permission: 'operate', params: verificationParams }, async ({ ctx, actor, params }) => ctx.copyJobs.repair(actor, params.id, params.vid));
