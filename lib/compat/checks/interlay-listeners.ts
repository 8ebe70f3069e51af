import { isCluster } from '../facts';
import type { CompatCheck } from '../types';

export const interlayListeners: CompatCheck = {
  id: 'interlay-listeners',
  describe: "The interlay's listeners match the source's node exposure (1 for standalone, one per primary for a cluster).",
  run(r) {
    if (!r.interlay) return { severity: 'pass', title: 'No interlay named; nothing to match', evidence: {}, remediation: '' };
    const cluster = isCluster(r.source);
    const needed = cluster ? (r.source.clusterPrimaries ?? null) : 1;
    const evidence = { interlay: r.interlay.name, listeners: r.interlay.listeners, source_mode: cluster === null ? 'unknown' : cluster ? 'cluster' : 'standalone', listeners_needed: needed, ...(r.interlay.error ? { interlay_error: r.interlay.error } : {}) };
    if (cluster === null || needed === null) return { severity: 'warning', title: "Source node exposure unknown (degraded)", evidence, remediation: 'Make INFO and CLUSTER NODES readable on the source and re-run.' };
    if (r.interlay.listeners !== needed) {
      return {
        severity: 'blocking',
        title: `Interlay has ${r.interlay.listeners} listener(s); the source exposes ${needed} primar${needed === 1 ? 'y' : 'ies'}`,
        evidence,
        remediation: 'Cluster clients follow MOVED/ASK redirects to each node; an interlay is one listener today, so migrate a cluster source per primary or move clients to a standalone-compatible proxy first.',
      };
    }
    return { severity: 'pass', title: `Interlay listeners (${r.interlay.listeners}) match the source`, evidence, remediation: '' };
  },
};
