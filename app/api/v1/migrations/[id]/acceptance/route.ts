import { acceptanceActionSchema, runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: runParams }, async ({ ctx, params }) => ctx.migrations.getAcceptance(params.id));

/** `verify` starts the verification pass; `confirm` is the operator's confirmation (409 while a criterion is not met). */
export const POST = route({ permission: 'operate', params: runParams, body: acceptanceActionSchema }, async ({ ctx, actor, params, body }) => ctx.migrations.acceptanceAction(actor, params.id, body));
