import { directCallSchema, endpointParams } from '@/lib/endpoints/api';
import { route } from './route';

/**
 * POST /endpoints/{endpoint}/read|write: one command (`{command}` → `{reply}`) or a pipeline
 * (`{commands}` → `{replies}`). Reading is open to every role; writing needs "operate".
 */
export function directCallRoute(role: 'read' | 'write') {
  return route({ permission: role === 'read' ? 'read' : 'operate', params: endpointParams, body: directCallSchema }, async ({ ctx, actor, params, body }) => {
    const single = 'command' in body;
    const r = await ctx.endpoints.call(actor, params.endpoint, role, single ? [body.command] : body.commands);
    return single ? { reply: r.replies[0], duration_ms: r.duration_ms } : r;
  });
}
