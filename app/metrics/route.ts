/**
 * Prometheus scrape endpoint (text format 0.0.4). Needs the `read` permission like the API:
 * give Prometheus an API token, e.g.
 *   scrape_configs:
 *     - job_name: redis-interlay
 *       metrics_path: /metrics
 *       authorization: { type: Bearer, credentials: rit_... }
 *       static_configs: [{ targets: ['console:3000'] }]
 */
import { PROMETHEUS_CONTENT_TYPE } from '@/lib/interlays/prometheus';
import { route } from '@/server/api/route';

export const GET = route({ permission: 'read' }, async ({ ctx }) =>
  new Response(await ctx.interlays.prometheus(), { status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } }),
);
