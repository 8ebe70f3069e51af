import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: runParams }, async ({ ctx, params }) => ctx.migrations.get(params.id));

/** Drafts only (409 otherwise: close or roll back a run instead). */
export const DELETE = route({ permission: 'operate', params: runParams }, async ({ ctx, actor, params }) => ctx.migrations.delete(actor, params.id));
