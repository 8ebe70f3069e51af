/**
 * Prometheus exposition of the interlays' metrics, through prom-client: each scrape builds a
 * registry from the current snapshots (the engine's counters are the source of truth, so no
 * metric object lives between scrapes). Every series carries `interlay="<id>"`; backend and
 * mirror series add `backend`/`link`. Counters restart from zero when an interlay restarts;
 * Prometheus' rate() treats that as a counter reset.
 */
import { Counter, Gauge, Registry, type LabelValues } from 'prom-client';
import type { InterlayMetrics, InterlayStatus } from './schema';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const STATUSES: InterlayStatus[] = ['starting', 'listening', 'draining', 'stopped', 'failed'];
const STAGES = ['source', 'dual_write', 'shadow', 'canary', 'target_primary', 'target'];
const BACKEND_STATES = ['up', 'reconnecting', 'down'] as const;

export interface PrometheusInput {
  id: string;
  status: InterlayStatus;
  desiredState: 'started' | 'stopped';
  metrics: InterlayMetrics | null;
}

type Kind = 'gauge' | 'counter';

export async function renderPrometheus(interlays: PrometheusInput[]): Promise<string> {
  const registry = new Registry();
  const families = new Map<string, Gauge<string> | Counter<string>>();
  /** One family per name (its first use fixes help and label names). */
  const family = (name: string, kind: Kind, help: string, labels: string[]) => {
    let f = families.get(name);
    if (f === undefined) {
      const cfg = { name, help, labelNames: labels, registers: [registry] };
      f = kind === 'gauge' ? new Gauge(cfg) : new Counter(cfg);
      families.set(name, f);
    }
    return f;
  };
  const set = (name: string, kind: Kind, help: string, labels: LabelValues<string>, value: number) => {
    const f = family(name, kind, help, Object.keys(labels));
    if (f instanceof Gauge) f.set(labels, value);
    else f.inc(labels, value);
  };

  for (const il of interlays) {
    const l = { interlay: il.id };
    set('redis_interlay_info', 'gauge', 'Configured interlays (always 1); desired_state says whether it should run.', { ...l, desired_state: il.desiredState }, 1);
    for (const s of STATUSES) set('redis_interlay_status', 'gauge', 'Current status of the interlay listener (1 for the current one).', { ...l, status: s }, il.status === s ? 1 : 0);
    set('redis_interlay_up', 'gauge', 'Whether the interlay is accepting connections.', l, il.status === 'listening' ? 1 : 0);
    const m = il.metrics;
    if (!m) continue;
    set('redis_interlay_connections', 'gauge', 'Client connections open now.', l, m.connections.current);
    set('redis_interlay_connections_peak', 'gauge', 'Most client connections open at once since start.', l, m.connections.peak);
    set('redis_interlay_connections_total', 'counter', 'Client connections accepted since start.', l, m.connections.total);
    set('redis_interlay_connections_refused_total', 'counter', 'Client connections refused (over max_concurrent_connections) since start.', l, m.connections.refused);
    set('redis_interlay_ops_total', 'counter', 'Commands proxied since start.', l, m.ops.total);
    set('redis_interlay_ops_per_second', 'gauge', 'Commands per second over the last second.', l, m.ops.per_sec);
    for (const c of m.commands) set('redis_interlay_commands_total', 'counter', 'Commands proxied since start, by command name.', { ...l, command: c.name.toLowerCase() }, c.count);
    for (const [cat, n] of Object.entries(m.categories)) set('redis_interlay_command_categories_total', 'counter', 'Commands proxied since start, by category.', { ...l, category: cat }, n);
    set('redis_interlay_received_bytes_total', 'counter', 'Bytes received from clients since start.', l, m.bytes.in);
    set('redis_interlay_sent_bytes_total', 'counter', 'Bytes sent to clients since start.', l, m.bytes.out);
    for (const [kind, n] of Object.entries(m.errors)) set('redis_interlay_errors_total', 'counter', 'Errors since start, by kind.', { ...l, kind }, n);
    for (const path of ['proxy', 'backend'] as const) {
      const lat = m.latency_us[path];
      const help = 'Command latency quantiles over a recent window; path=proxy is client-seen, path=backend is the backend round trip.';
      set('redis_interlay_latency_seconds', 'gauge', help, { ...l, path, quantile: '0.5' }, lat.p50 / 1e6);
      set('redis_interlay_latency_seconds', 'gauge', help, { ...l, path, quantile: '0.99' }, lat.p99 / 1e6);
    }
    set('redis_interlay_backend_connected', 'gauge', 'Backend connections currently established.', l, Number(m.backend.connected));

    // The live path.
    for (const st of STAGES) set('redis_interlay_stage', 'gauge', 'Traffic stage in force (1 for the current one).', { ...l, stage: st }, m.routing.stage === st ? 1 : 0);
    set('redis_interlay_policy_info', 'gauge', 'Write-consistency policy in force (always 1).', { ...l, policy: m.routing.policy }, 1);
    set('redis_interlay_canary_percent', 'gauge', 'Share of client connections whose reads the target serves in stage canary.', l, m.routing.canary_percent);
    set('redis_interlay_shadow_sample_rate', 'gauge', 'Share of reads also sent to the target in stage shadow.', l, m.routing.shadow_sample_rate);
    set('redis_interlay_stage_switches_total', 'counter', 'Primary switches (quiesced stage changes) since start.', l, m.routing.switches);
    for (const u of m.upstreams) {
      for (const st of BACKEND_STATES) {
        set('redis_interlay_backend_state', 'gauge', 'State of each backend the interlay writes (1 for the current one).', { ...l, backend: u.name, role: u.role, state: st }, u.state === st ? 1 : 0);
      }
    }
    set('redis_interlay_mirror_replayed_total', 'counter', 'Writes replayed on the other sides since start.', l, m.mirror.replayed_total);
    set('redis_interlay_mirror_by_state_total', 'counter', 'Writes brought to the other sides by state (DUMP/RESTORE) since start.', l, m.mirror.by_state_total);
    for (const k of m.mirror.links) {
      const ll = { ...l, link: k.name };
      set('redis_interlay_mirror_ops_total', 'counter', 'Mirrored writes applied per link since start.', ll, k.ops_total);
      set('redis_interlay_mirror_ops_per_second', 'gauge', 'Mirrored writes applied per link per second.', ll, k.ops_per_sec);
      set('redis_interlay_mirror_latency_seconds', 'gauge', 'Mirror latency quantiles (replayed → applied) over a recent window.', { ...ll, quantile: '0.5' }, k.latency_us.p50 / 1e6);
      set('redis_interlay_mirror_latency_seconds', 'gauge', 'Mirror latency quantiles (replayed → applied) over a recent window.', { ...ll, quantile: '0.99' }, k.latency_us.p99 / 1e6);
      set('redis_interlay_mirror_failures_total', 'counter', 'Mirrored writes a link failed since start.', ll, k.failures);
      set('redis_interlay_mirror_divergences_total', 'counter', 'Mirrored writes whose reply differed from the primary since start.', ll, k.divergences);
      set('redis_interlay_mirror_overflows_total', 'counter', 'Writes not sent to a full or down link (synced by state instead) since start.', ll, k.overflows);
      set('redis_interlay_mirror_queue_depth', 'gauge', 'Mirrored writes sent and not yet applied per link.', ll, k.queue_depth);
      set('redis_interlay_mirror_lag_seconds', 'gauge', 'Age of the oldest mirrored write not yet applied per link.', ll, k.lag_ms / 1000);
      set('redis_interlay_mirror_in_sync', 'gauge', 'Whether a link is in sync (0 after dropped writes until resynced, or when its server lost data).', ll, k.in_sync ? 1 : 0);
    }
    set('redis_interlay_sync_pending_keys', 'gauge', 'Keys waiting for a state sync.', l, m.mirror.syncs.pending);
    set('redis_interlay_syncs_total', 'counter', 'State syncs completed since start.', { ...l, outcome: 'completed' }, m.mirror.syncs.completed);
    set('redis_interlay_syncs_total', 'counter', 'State syncs completed since start.', { ...l, outcome: 'failed' }, m.mirror.syncs.failed);
    set('redis_interlay_shadow_reads_total', 'counter', 'Shadow reads compared since start.', l, m.shadow.compared);
    set('redis_interlay_shadow_divergences_total', 'counter', 'Shadow reads whose target reply differed since start.', l, m.shadow.divergent);
    set('redis_interlay_shadow_divergence_ratio', 'gauge', 'Divergent / compared shadow reads since start.', l, m.shadow.divergence_rate);
  }
  return registry.metrics();
}
