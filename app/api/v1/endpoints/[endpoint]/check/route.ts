import { endpointParams } from '@/lib/endpoints/api';
import { route } from '@/server/api/route';

export const POST = route({ permission: 'read', params: endpointParams }, async ({ ctx, actor, params }) => ctx.endpoints.check(actor, params.endpoint));
