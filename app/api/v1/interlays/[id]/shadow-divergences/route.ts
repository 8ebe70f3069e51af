import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** The most recent shadow reads whose target reply differed (key and both replies). */
export const GET = route({ permission: 'read', params: interlayParams }, async ({ ctx, params }) => ctx.interlays.shadowDivergences(params.id));
