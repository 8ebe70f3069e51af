/**
 * Prometheus text exposition (format 0.0.4) of the interlays' metrics. Every series carries
 * `interlay="<id>"`. Counters restart from zero when an interlay restarts; Prometheus'
 * rate() treats that as a counter reset.
 */
import type { InterlayMetrics, InterlayStatus } from './schema';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const STATUSES: InterlayStatus[] = ['starting', 'listening', 'draining', 'stopped', 'failed'];

export interface PrometheusInput {
  id: string;
  status: InterlayStatus;
  desiredState: 'started' | 'stopped';
  metrics: InterlayMetrics | null;
}

type Labels = Record<string, string>;

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: { labels: Labels; value: number }[];
}

/** Escapes a label value: backslash, double quote and newline, as the format requires. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function renderPrometheus(interlays: PrometheusInput[]): string {
  const fam = new Map<string, Family>();
  const add = (name: string, type: Family['type'], help: string, labels: Labels, value: number | undefined) => {
    let f = fam.get(name);
    if (!f) fam.set(name, (f = { name, type, help, samples: [] }));
    if (typeof value === 'number') f.samples.push({ labels, value });
  };

  // The first call for a family names its help text and fixes its place in the output.
  add('redis_interlay_info', 'gauge', 'Configured interlays (always 1); desired_state says whether it should run.', {}, undefined);
  for (const il of interlays) {
    const l = { interlay: il.id };
    add('redis_interlay_info', 'gauge', '', { ...l, desired_state: il.desiredState }, 1);
    for (const s of STATUSES) add('redis_interlay_status', 'gauge', 'Current status of the interlay listener (1 for the current one).', { ...l, status: s }, il.status === s ? 1 : 0);
    add('redis_interlay_up', 'gauge', 'Whether the interlay is accepting connections.', l, il.status === 'listening' ? 1 : 0);
    const m = il.metrics;
    if (!m) continue;
    add('redis_interlay_connections', 'gauge', 'Client connections open now.', l, m.connections.current);
    add('redis_interlay_connections_peak', 'gauge', 'Most client connections open at once since start.', l, m.connections.peak);
    add('redis_interlay_connections_total', 'counter', 'Client connections accepted since start.', l, m.connections.total);
    add('redis_interlay_connections_refused_total', 'counter', 'Client connections refused (over max_concurrent_connections) since start.', l, m.connections.refused);
    add('redis_interlay_ops_total', 'counter', 'Commands proxied since start.', l, m.ops.total);
    add('redis_interlay_ops_per_second', 'gauge', 'Commands per second over the last second.', l, m.ops.per_sec);
    for (const c of m.commands) add('redis_interlay_commands_total', 'counter', 'Commands proxied since start, by command name.', { ...l, command: c.name.toLowerCase() }, c.count);
    for (const [cat, n] of Object.entries(m.categories)) add('redis_interlay_command_categories_total', 'counter', 'Commands proxied since start, by category.', { ...l, category: cat }, n);
    add('redis_interlay_received_bytes_total', 'counter', 'Bytes received from clients since start.', l, m.bytes.in);
    add('redis_interlay_sent_bytes_total', 'counter', 'Bytes sent to clients since start.', l, m.bytes.out);
    for (const [kind, n] of Object.entries(m.errors)) add('redis_interlay_errors_total', 'counter', 'Errors since start, by kind.', { ...l, kind }, n);
    for (const path of ['proxy', 'backend'] as const) {
      const lat = m.latency_us[path];
      add('redis_interlay_latency_seconds', 'gauge', 'Command latency quantiles over a recent window; path=proxy is client-seen, path=backend is the backend round trip.', { ...l, path, quantile: '0.5' }, lat.p50 / 1e6);
      add('redis_interlay_latency_seconds', 'gauge', '', { ...l, path, quantile: '0.99' }, lat.p99 / 1e6);
    }
    add('redis_interlay_backend_connected', 'gauge', 'Backend connections currently established.', l, Number(m.backend.connected));
  }

  const lines: string[] = [];
  for (const f of fam.values()) {
    if (f.samples.length === 0) continue;
    lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) lines.push(`${f.name}${labelText(s.labels)} ${fmt(s.value)}`);
  }
  return lines.join('\n') + '\n';
}
