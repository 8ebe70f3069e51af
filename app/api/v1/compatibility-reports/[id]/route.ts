import { reportParams } from '@/lib/compat/schema';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: reportParams }, async ({ ctx, params }) => ctx.compat.get(params.id));
