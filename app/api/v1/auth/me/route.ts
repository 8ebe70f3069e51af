import { permissionsOf } from '@/lib/auth/roles';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read' }, async ({ ctx, actor }) => ({
  user: await ctx.auth.me(actor),
  via: actor.via,
  permissions: permissionsOf(actor.role),
}));
