import { interlayParams } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** The last ~5 minutes at one point a second, oldest first; empty when not running. */
export const GET = route({ permission: 'read', params: interlayParams }, async ({ ctx, params }) => ctx.interlays.history(params.id));
