import { route } from '@/server/api/route';

/** Liveness and database status; needs no authentication. */
export const GET = route({ permission: 'public' }, async ({ ctx }) => {
  const started = performance.now();
  let database: { kind: string; ok: boolean; latency_ms?: number; error?: string };
  try {
    await ctx.db.sql.query('SELECT 1');
    database = { kind: ctx.db.kind, ok: true, latency_ms: Math.round((performance.now() - started) * 100) / 100 };
  } catch (e) {
    database = { kind: ctx.db.kind, ok: false, error: (e as Error).message };
  }
  return { status: database.ok ? 'ok' : 'degraded', version: ctx.version, database };
});
