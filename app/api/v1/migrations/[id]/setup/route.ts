import { runParams, setupSchema } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Submits or changes the setup; a change after approval returns the run to setup_submitted. */
export const PUT = route({ permission: 'operate', params: runParams, body: setupSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.submitSetup(actor, params.id, body));
