import { runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** Retries a failed run where it failed. */
export const POST = route({ permission: 'operate', params: runParams }, async ({ ctx, actor, params }) => ctx.migrations.retry(actor, params.id));
