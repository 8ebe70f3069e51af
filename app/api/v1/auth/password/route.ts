import { changePasswordSchema } from '@/lib/auth/schema';
import { route } from '@/server/api/route';

export const POST = route({ permission: 'read', body: changePasswordSchema }, async ({ ctx, actor, body }) => {
  await ctx.auth.changeOwnPassword(actor, body.current_password, body.new_password);
  return { ok: true };
});
