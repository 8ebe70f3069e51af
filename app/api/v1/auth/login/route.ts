import { loginSchema } from '@/lib/auth/schema';
import { clientIp, json, route, sessionCookie } from '@/server/api/route';

export const POST = route({ permission: 'public', body: loginSchema }, async ({ ctx, body, req }) => {
  const { token, user, expiresAt } = await ctx.auth.login(body.username, body.password, { userAgent: req.headers.get('user-agent') ?? undefined, ip: clientIp(req) });
  return json({ user, expires_at: expiresAt.toISOString() }, 200, { 'set-cookie': sessionCookie(ctx, req, token, expiresAt) });
});
