import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** The second approval of completion, when the setup asks for one. */
export const POST = route({ permission: 'approve', params: runParams }, async ({ ctx, actor, params }) => ctx.migrations.approveCompletion(actor, params.id));
