import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** The live snapshot; 409 when the interlay is not running. */
export const GET = route({ permission: 'read', params: interlayParams }, async ({ ctx, params }) => ctx.interlays.metrics(params.id));
