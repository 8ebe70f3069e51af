import { retryErrorKeysSchema, runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Copies the run's error keys again (all unresolved, or `ids`). */
export const POST = route({ permission: 'operate', params: runParams, body: retryErrorKeysSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.retryErrorKeys(actor, params.id, body));
