import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Resumes a paused run where it was. */
export const POST = route({ permission: 'operate', params: runParams }, async ({ ctx, actor, params }) => ctx.migrations.resume(actor, params.id));
