import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** The prepare report's findings, analysis and test run, and whether approval is possible. */
export const GET = route({ permission: 'read', params: runParams }, async ({ ctx, params }) => ctx.migrations.checks(params.id));
