import { isCluster } from '../facts';
import type { CompatCheck } from '../types';

export const multiDbCluster: CompatCheck = {
  id: 'multi-db-cluster',
  describe: 'A cluster target has only database 0: the source must not use other databases.',
  run(r) {
    const others = r.source.keyspace.filter((d) => d.db !== 0 && d.keys > 0);
    const targetCluster = isCluster(r.target);
    const evidence = { source_databases_in_use: r.source.keyspace.filter((d) => d.keys > 0).map((d) => ({ db: d.db, keys: d.keys })), target_mode: targetCluster === null ? 'unknown' : targetCluster ? 'cluster' : 'standalone' };
    if (targetCluster === null || !r.source.info) return { severity: 'warning', title: 'Database use or target mode unknown (degraded)', evidence, remediation: 'Make INFO readable on both endpoints and re-run.' };
    if (targetCluster && others.length > 0) {
      return {
        severity: 'blocking',
        title: `Source uses database(s) ${others.map((d) => d.db).join(', ')} but the target is a cluster (db 0 only)`,
        evidence,
        remediation: 'Move those keys into db 0 under distinct prefixes (and change the applications accordingly), or migrate to a standalone target.',
      };
    }
    return { severity: 'pass', title: targetCluster ? 'Source uses only db 0' : 'Target is standalone; every database can be copied', evidence, remediation: '' };
  },
};
