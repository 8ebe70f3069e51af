import type { CompatCheck } from '../types';

/** Checks that read CONFIG and what they fall back to without it. */
const DEGRADED = [
  { check: 'proto-max-bulk-len', without: 'assumes the 512 MB default' },
  { check: 'memory-headroom', without: 'uses INFO memory maxmemory (still exact on Redis)' },
  { check: 'eviction-policy', without: 'uses INFO memory maxmemory_policy' },
];

export const configAccess: CompatCheck = {
  id: 'config-access',
  describe: 'CONFIG GET works on both endpoints; otherwise says which checks are degraded.',
  run(r) {
    const refused = [r.source, r.target, ...r.mirrors].filter((f) => f.config === null).map((f) => ({ endpoint: f.name, role: f.kind, error: f.configError ?? null }));
    if (refused.length === 0) return { severity: 'pass', title: 'CONFIG GET works on every endpoint', evidence: {}, remediation: '' };
    return {
      severity: 'warning',
      title: `CONFIG is refused on ${refused.map((x) => x.endpoint).join(', ')}; some checks are degraded`,
      evidence: { refused, degraded_checks: refused.some((x) => x.role === 'target') ? DEGRADED : [] },
      remediation: "Managed services often block CONFIG: confirm proto-max-bulk-len, maxmemory and the eviction policy in the provider's console, or add an admin connection allowed to run CONFIG GET.",
    };
  },
};
