import { verificationParams } from '@/lib/copy-jobs/schema';
import { route } from '@/server/api/route';

/** Starts re-copying the verification's divergent keys in the background: 202 with repair status "running"; poll the verification. */
export const POST = route({ permission: 'operate', params: verificationParams, status: 202 }, async ({ ctx, actor, params }) => ctx.copyJobs.repair(actor, params.id, params.vid));
