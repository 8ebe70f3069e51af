import { interlayParams, stopInterlaySchema } from '@/lib/interlays/schema';
import { route } from '@/server/api/route';

/** Drains client connections (up to `drain_timeout_ms`, default 10 s), then closes the listener. */
export const POST = route({ permission: 'operate', params: interlayParams, body: stopInterlaySchema }, async ({ ctx, actor, params, body }) =>
  ctx.interlays.stop(actor, params.id, { drainTimeoutMs: body.drain_timeout_ms }),
);
