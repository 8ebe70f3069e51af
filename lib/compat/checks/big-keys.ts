import { displayKey, mb } from '../facts';
import type { CompatCheck } from '../types';

export const bigKeys: CompatCheck = {
  id: 'big-keys',
  describe: 'Keys above the big-key threshold (MEMORY USAGE of the sample); they take the chunked copy path.',
  run(r) {
    const threshold = r.options.bigKeyThresholdMb * 1024 * 1024;
    if (!r.sample) return { severity: 'warning', title: 'Keyspace sample unavailable (degraded)', evidence: { error: r.source.infoError ?? 'no source connection' }, remediation: 'Make the source readable and re-run.' };
    if (r.sample.keys.length > 0 && r.sample.keys.every((k) => k.memory === null)) {
      return { severity: 'warning', title: 'MEMORY USAGE refused; key sizes unknown (degraded)', evidence: { error: r.sample.memoryUsageError ?? null }, remediation: 'Allow MEMORY USAGE for the source read user and re-run.' };
    }
    const big = r.sample.keys.filter((k) => (k.memory ?? 0) > threshold).sort((a, b) => (b.memory ?? 0) - (a.memory ?? 0));
    const evidence = {
      threshold_mb: r.options.bigKeyThresholdMb,
      sampled_keys: r.sample.keys.length,
      total_keys: r.sample.totalKeys,
      big_keys: big.slice(0, 50).map((k) => ({ db: k.db, key: displayKey(k.key), type: k.type, bytes: k.memory, human: mb(k.memory ?? 0) })),
      note: r.sample.keys.length < r.sample.totalKeys ? `sampled ${r.sample.keys.length} of ${r.sample.totalKeys} keys; other big keys may exist` : 'every key was sampled',
    };
    if (big.length === 0) return { severity: 'pass', title: `No sampled key above ${r.options.bigKeyThresholdMb} MB`, evidence, remediation: '' };
    return {
      severity: 'warning',
      title: `${big.length} sampled key(s) above ${r.options.bigKeyThresholdMb} MB will take the chunked path`,
      evidence,
      remediation: 'Big keys copy in chunks (slower, and briefly inconsistent while mirrored writes hit them); schedule the copy at low traffic or split these keys.',
    };
  },
};
