import { reportParams } from '@/lib/compat/schema';
import { route } from '@/server/api/route';

export const POST = route({ permission: 'operate', params: reportParams, status: 202 }, async ({ ctx, actor, params }) => ctx.compat.rerun(actor, params.id));
