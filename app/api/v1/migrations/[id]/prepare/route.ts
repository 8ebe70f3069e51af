import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Starts the compatibility checks, analysis and test run (202); the run awaits review when they are done. */
export const POST = route({ permission: 'operate', params: runParams, status: 202 }, async ({ ctx, actor, params }) => ctx.migrations.prepare(actor, params.id));
