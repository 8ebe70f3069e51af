import { eventsQuery, runParams } from '@/lib/workflow/schema';
import { route } from '@/server/api/route';

/** History and catch-up: the events after `after` (a sequence number), oldest first. */
export const GET = route({ permission: 'read', params: runParams, query: eventsQuery }, async ({ ctx, params, query }) => ctx.migrations.events(params.id, query.after, query.limit));
