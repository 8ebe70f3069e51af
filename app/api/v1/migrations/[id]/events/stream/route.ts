import { runParams, streamQuery } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';
import { eventStream } from '@/server/api/sse';

/** Server-Sent Events (`curl -N`): every event after `Last-Event-ID` or `?after=`, then live. */
export const GET = route({ permission: 'read', params: runParams, query: streamQuery }, async ({ ctx, params, query, req }) => {
  await ctx.migrations.get(params.id);
  const last = Number(req.headers.get('last-event-id'));
  const after = Math.max(query.after, Number.isInteger(last) && last > 0 ? last : 0);
  return eventStream(ctx.migrations, params.id, after, req.signal);
});
