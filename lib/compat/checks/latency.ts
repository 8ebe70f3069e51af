import type { CompatCheck } from '../types';

export const latency: CompatCheck = {
  id: 'latency',
  describe: 'Round-trip time from the console to each endpoint (median and p99 of PINGs).',
  run(r) {
    const all = [r.source, r.target, ...r.mirrors];
    const rows = all.map((f) => ({ endpoint: f.name, role: f.kind, ...(f.latency ?? { samples: 0, median_ms: null, p99_ms: null, max_ms: null }) }));
    const slow = rows.filter((x) => x.median_ms !== null && x.median_ms > r.options.latencyWarnMs);
    const unmeasured = rows.filter((x) => x.median_ms === null);
    const evidence = { threshold_median_ms: r.options.latencyWarnMs, endpoints: rows };
    if (slow.length) {
      return {
        severity: 'warning',
        title: `High round-trip latency to ${slow.map((s) => `${s.endpoint} (${s.median_ms} ms median)`).join(', ')}`,
        evidence,
        remediation: 'Every pipelined batch pays this round trip: run the console (and the interlay) close to the databases, or expect a slower copy.',
      };
    }
    if (unmeasured.length === rows.length) return { severity: 'warning', title: 'Latency could not be measured (degraded)', evidence, remediation: 'Fix connectivity and re-run.' };
    return { severity: 'info', title: `Round-trip latency ${rows.filter((x) => x.median_ms !== null).map((x) => `${x.endpoint} ${x.median_ms} ms`).join(', ')} (median)`, evidence, remediation: '' };
  },
};
