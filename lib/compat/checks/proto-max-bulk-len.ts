import { mb, parseMemory } from '../facts';
import type { CompatCheck } from '../types';

/** Redis' default proto-max-bulk-len (512 MB). */
export const DEFAULT_PROTO_MAX_BULK_LEN = 512 * 1024 * 1024;

export const protoMaxBulkLen: CompatCheck = {
  id: 'proto-max-bulk-len',
  describe: "The target's proto-max-bulk-len accepts the largest RESTORE payload (largest sampled key).",
  run(r) {
    const largest = r.sample?.largestDump ?? null;
    const configured = parseMemory(r.target.config?.['proto-max-bulk-len']);
    const limit = configured ?? DEFAULT_PROTO_MAX_BULK_LEN;
    const evidence = {
      target_proto_max_bulk_len: limit,
      target_proto_max_bulk_len_human: mb(limit),
      limit_from: configured !== null ? 'CONFIG GET' : `default (CONFIG refused: ${r.target.configError ?? 'unknown'})`,
      largest_sampled_payload: largest ? { ...largest, human: mb(largest.bytes) } : null,
      sampled_keys: r.sample?.keys.length ?? 0,
    };
    if (!largest) return { severity: 'pass', title: 'No sampled key to compare (empty source or sample unavailable)', evidence, remediation: '' };
    if (largest.bytes > limit) {
      return {
        severity: 'blocking',
        title: `Largest key (${mb(largest.bytes)}) exceeds the target's proto-max-bulk-len (${mb(limit)})`,
        evidence,
        remediation: `Raise proto-max-bulk-len on the target above ${mb(largest.bytes)} (CONFIG SET proto-max-bulk-len), or make sure such keys take the chunked copy path.`,
      };
    }
    if (configured === null) return { severity: 'info', title: `Largest key ${mb(largest.bytes)}; target limit assumed at the 512 MB default (degraded)`, evidence, remediation: 'Confirm proto-max-bulk-len with the provider.' };
    return { severity: 'pass', title: `Largest key ${mb(largest.bytes)} fits proto-max-bulk-len ${mb(limit)}`, evidence, remediation: '' };
  },
};
