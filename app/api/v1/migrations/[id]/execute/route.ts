import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Starts the approved data movement (dual write, bulk copy). */
export const POST = route({ permission: 'operate', params: runParams }, async ({ ctx, actor, params }) => ctx.migrations.execute(actor, params.id));
