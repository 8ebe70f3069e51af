import { num } from '../facts';
import type { CompatCheck } from '../types';

export const evictionPolicy: CompatCheck = {
  id: 'eviction-policy',
  describe: 'Target eviction policy cannot drop migrated keys (noeviction, or no maxmemory).',
  run(r) {
    const policy = r.target.info?.maxmemory_policy ?? r.target.config?.['maxmemory-policy'];
    const maxmemory = num(r.target.info?.maxmemory) ?? num(r.target.config?.maxmemory);
    if (!policy) return { severity: 'warning', title: 'Target eviction policy unknown (degraded)', evidence: { error: r.target.infoError ?? r.target.configError ?? null }, remediation: 'Make INFO or CONFIG GET readable on the target and re-run.' };
    const withTtl = (r.sample?.keys ?? []).filter((k) => k.pttl >= 0).length;
    const sampled = r.sample?.keys.length ?? 0;
    const evidence: Record<string, unknown> = { maxmemory_policy: policy, maxmemory, sampled_keys: sampled, sampled_keys_with_ttl: withTtl };
    if (policy === 'noeviction') return { severity: 'pass', title: 'Target uses noeviction', evidence, remediation: '' };
    if (!maxmemory) return { severity: 'info', title: `Target policy ${policy} has no effect while maxmemory is 0`, evidence, remediation: 'If maxmemory is set later, switch to noeviction for the migration.' };
    const volatile = policy.startsWith('volatile-');
    if (volatile) evidence.affected = `only keys with a TTL can be evicted: ${withTtl} of ${sampled} sampled keys`;
    return {
      severity: 'warning',
      title: `Target eviction policy ${policy} can drop migrated keys under memory pressure${volatile ? ' (keys with a TTL only)' : ''}`,
      evidence,
      remediation: 'Set maxmemory-policy noeviction on the target for the migration (writes fail loudly instead of keys vanishing), or make sure maxmemory has ample headroom.',
    };
  },
};
