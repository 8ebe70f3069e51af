import { reportParams } from '@/lib/compat/schema';
import { json, route } from '@/server/api/route';

export const GET = route({ permission: 'read', params: reportParams }, async ({ ctx, params }) => {
  const { filename, report } = await ctx.compat.export(params.id);
  return json(report, 200, { 'content-disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9_.-]/g, '_')}"` });
});
