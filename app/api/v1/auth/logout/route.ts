import { json, readCookie, route, SESSION_COOKIE, sessionCookie } from '@/server/api/route';

export const POST = route({ permission: 'public' }, async ({ ctx, req }) => {
  const token = readCookie(req.headers.get('cookie'), SESSION_COOKIE);
  if (token) await ctx.auth.logout(token);
  return json({ ok: true }, 200, { 'set-cookie': sessionCookie(ctx, req, '', undefined) });
});
