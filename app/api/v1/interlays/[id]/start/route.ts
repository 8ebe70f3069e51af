import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** 200 with the interlay; a failure to listen (port in use) shows as status "failed" with `error`. */
export const POST = route({ permission: 'operate', params: interlayParams }, async ({ ctx, actor, params }) => ctx.interlays.start(actor, params.id));
