import { idParams } from '@/lib/auth/schema';
import { route } from '@/server/api/route';

export const DELETE = route({ permission: 'read', params: idParams }, async ({ ctx, actor, params }) => {
  await ctx.auth.revokeToken(actor, params.id);
});
