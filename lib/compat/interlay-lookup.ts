/**
 * Adapts the interlay service to what a report needs of an interlay: how many listeners it
 * exposes (one, today), its latest metrics snapshot (command mix for the workload
 * analysis) and where clients reach it (for the smoke test).
 */
import type { InterlayFacts, WorkloadMetrics } from './types';
import type { InterlayLookup } from './service';

interface InterlaysLike {
  get(id: string): Promise<{ port: number; status: string; connection_string: string; metrics: unknown }>;
  metrics(id: string): Promise<unknown>;
}

export function interlayLookup(interlays: () => InterlaysLike): InterlayLookup {
  return {
    async describe(id: string): Promise<Omit<InterlayFacts, 'name'>> {
      const view = await interlays().get(id);
      let metrics = (view.metrics as WorkloadMetrics | null) ?? null;
      if (!metrics) metrics = ((await interlays().metrics(id).catch(() => null)) as WorkloadMetrics | null) ?? null;
      let address: InterlayFacts['address'];
      try {
        const u = new URL(view.connection_string);
        address = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || view.port), tls: u.protocol === 'rediss:' };
      } catch {
        address = { host: '127.0.0.1', port: view.port };
      }
      const running = ['listening', 'draining', 'starting'].includes(view.status);
      return { listeners: 1, metrics, address: running ? address : undefined, ...(running ? {} : { error: `interlay "${id}" is ${view.status}; start it for the smoke test and workload analysis` }) };
    },
  };
}
