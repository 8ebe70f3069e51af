import { isCluster } from '../facts';
import type { CompatCheck } from '../types';

export const clusterMode: CompatCheck = {
  id: 'cluster-mode',
  describe: 'Source and target run in the same mode (standalone or cluster).',
  run(r) {
    const s = isCluster(r.source);
    const t = isCluster(r.target);
    const evidence = { source_mode: s === null ? 'unknown' : s ? 'cluster' : 'standalone', target_mode: t === null ? 'unknown' : t ? 'cluster' : 'standalone', source_primaries: r.source.clusterPrimaries ?? null, target_primaries: r.target.clusterPrimaries ?? null };
    if (s === null || t === null) return { severity: 'warning', title: 'Cluster mode unknown (degraded)', evidence, remediation: 'Make INFO readable on both endpoints and re-run.' };
    if (s !== t) {
      return {
        severity: 'warning',
        title: `Cluster mode differs: source ${evidence.source_mode}, target ${evidence.target_mode}`,
        evidence,
        remediation: t
          ? 'Multi-key commands (MGET, transactions, scripts) must use keys in one hash slot on the target: check key names use hash tags, and point clients at a cluster-aware client.'
          : 'Clients must switch from a cluster client to a standalone one at cutover.',
      };
    }
    return { severity: 'pass', title: `Both endpoints run ${evidence.source_mode}`, evidence, remediation: '' };
  },
};
