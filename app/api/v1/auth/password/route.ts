import { changePasswordSchema } from '@/lib/auth/schema';
import { route } from '@/server/api/route';

/** Changes the caller's password; ends their other sessions and revokes their API tokens (counts in `ended`). */
export const POST = route({ permission: 'read', body: changePasswordSchema }, async ({ ctx, actor, body }) => {
  const { ended } = await ctx.auth.changeOwnPassword(actor, body.current_password, body.new_password);
  return { ok: true, ended };
});
