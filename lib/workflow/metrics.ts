/** A run's live figures (interlay per side, copy progress, mirror, divergence, error keys) and its error keys. */
import { isAppError } from '../errors';
import type { ExportFormat } from '../copy-jobs/export';
import type { ErrorKeyItem } from '../copy-jobs/views';
import type { Actor } from '../auth/roles';
import { conflict } from '../errors';
import type { InterlayMetrics } from '../interlay/types';
import type { RunOps } from './ops';
import type { MetricsView, MigrationSetup } from './schema';
import type { Stage, WriteConsistency } from '../migration/stages';

export class Metrics {
  constructor(private readonly ops: RunOps) {}

  private get res() {
    return this.ops.res;
  }

  async get(id: string): Promise<MetricsView> {
    const row = await this.ops.row(id);
    const setup = row.setup as MigrationSetup | null;
    const out: MetricsView = { run_id: id, at: Date.now(), interlay: null, copy: null, mirror: null, divergence: null, error_keys: null };
    if (setup) {
      let m: InterlayMetrics | null = null;
      try {
        m = await this.res.interlays.metrics(setup.interlay);
      } catch (e) {
        if (!isAppError(e) || (e.code !== 'CONFLICT' && e.code !== 'NOT_FOUND')) throw e;
      }
      if (m) {
        const links = new Map(m.mirror.links.map((l) => [l.name, l]));
        out.interlay = {
          id: setup.interlay,
          running: true,
          stage: m.routing.stage as Stage,
          policy: m.routing.policy as WriteConsistency,
          ops_per_sec: m.ops.per_sec,
          latency_us: { p50: m.latency_us.proxy.p50, p99: m.latency_us.proxy.p99 },
          errors: Object.values(m.errors as Record<string, number>).reduce((a, b) => a + b, 0),
          sides: m.upstreams.map((u) => {
            const l = links.get(u.name);
            // The primary serves the clients: its latency is the backend's; the others are mirrored to.
            const primary = u.role === 'primary';
            return {
              name: u.name,
              role: u.role,
              state: u.state,
              ops_per_sec: primary ? m!.ops.per_sec : (l?.ops_per_sec ?? 0),
              p50_us: primary ? m!.latency_us.backend.p50 : (l?.latency_us.p50 ?? 0),
              p99_us: primary ? m!.latency_us.backend.p99 : (l?.latency_us.p99 ?? 0),
              failures: l?.failures ?? 0,
              lag_ms: l?.lag_ms ?? 0,
              queue_depth: l?.queue_depth ?? 0,
              in_sync: l?.in_sync ?? true,
            };
          }),
        };
        out.mirror = {
          lag_ms: Math.max(0, ...m.mirror.links.map((l) => l.lag_ms)),
          failures: m.mirror.links.reduce((n, l) => n + l.failures, 0),
          queue_depth: m.mirror.links.reduce((n, l) => n + l.queue_depth, 0),
          pending_syncs: m.mirror.syncs.pending,
          in_sync: m.mirror.links.every((l) => l.in_sync && !l.lost_data),
        };
        out.divergence = { shadow_compared: m.shadow.compared, shadow_divergent: m.shadow.divergent, rate: m.shadow.divergence_rate, mirror_divergences: m.mirror.links.reduce((n, l) => n + l.divergences, 0) };
      }
    }
    if (row.copyJobId) {
      const job = await this.res.copyJobs.get(row.copyJobId);
      const total = Math.max(job.progress?.estimated_total ?? 0, job.counts.scanned);
      out.copy = {
        job_id: job.id,
        status: job.status,
        keys_copied: job.counts.copied,
        keys_total: total,
        percent: job.status === 'completed' ? 100 : total > 0 ? Math.min(100, Math.floor((100 * job.counts.scanned) / total)) : 0,
        keys_per_sec: job.progress?.keys_per_sec ?? 0,
        eta_s: job.status === 'completed' ? 0 : (job.progress?.eta_s ?? null),
      };
      out.error_keys = job.error_key_counts;
    }
    return out;
  }

  async errorKeys(id: string, q: { resolved?: boolean; cursor?: string; limit: number }): Promise<{ items: ErrorKeyItem[]; counts_by_class: Record<string, number>; next_cursor: string | null }> {
    const row = await this.ops.row(id);
    if (!row.copyJobId) return { items: [], counts_by_class: {}, next_cursor: null };
    return this.res.copyJobs.listErrorKeys(row.copyJobId, { ...q, format: 'json' });
  }

  async exportErrorKeys(id: string, q: { resolved?: boolean }, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    const row = await this.ops.row(id);
    if (!row.copyJobId) throw conflict(`Migration ${id} has no copy job, so no error keys`);
    return this.res.copyJobs.exportErrorKeys(row.copyJobId, { ...q, limit: 1000, format }, format);
  }

  async retryErrorKeys(actor: Actor, id: string, input: { ids?: string[] }) {
    const row = await this.ops.row(id);
    if (!row.copyJobId) throw conflict(`Migration ${id} has no copy job, so no error keys`);
    const r = await this.res.copyJobs.retryErrorKeys(actor, row.copyJobId, input);
    await this.ops.events.record(id, 'action', actor.username, { action: 'retry_error_keys', details: { attempted: r.attempted, copied: r.copied, failed: r.failed } });
    await this.res.audit.record(actor, { action: 'migration.retry_error_keys', objectType: 'migration', objectId: id, details: { attempted: r.attempted, copied: r.copied } });
    return r;
  }
}
