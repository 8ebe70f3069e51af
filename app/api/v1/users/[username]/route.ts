import { updateUserSchema, usernameParams } from '@/lib/auth/schema';
import { route } from '@/server/api/route';

export const PATCH = route({ permission: 'admin', params: usernameParams, body: updateUserSchema }, async ({ ctx, actor, params, body }) =>
  ctx.auth.updateUser(actor, params.username, body),
);

export const DELETE = route({ permission: 'admin', params: usernameParams }, async ({ ctx, actor, params }) => {
  await ctx.auth.deleteUser(actor, params.username);
});
