import { mb, num, parseMemory } from '../facts';
import type { CompatCheck } from '../types';

/**
 * Copied data takes more than the source's used_memory on the target for a while:
 * allocator fragmentation after many RESTOREs, replication/client output buffers during
 * the bulk copy, and keys that are written twice during mirroring. 1.2× is the usual margin.
 */
export const MEMORY_OVERHEAD_FACTOR = 1.2;

export const memoryHeadroom: CompatCheck = {
  id: 'memory-headroom',
  describe: `Target maxmemory has room for the source's used_memory × ${MEMORY_OVERHEAD_FACTOR} plus what the target already uses.`,
  run(r) {
    const sourceUsed = num(r.source.info?.used_memory);
    const maxmemory = num(r.target.info?.maxmemory) ?? parseMemory(r.target.config?.maxmemory);
    const targetUsed = num(r.target.info?.used_memory) ?? 0;
    if (sourceUsed === null || maxmemory === null) {
      return {
        severity: 'warning',
        title: 'Memory headroom unknown (degraded)',
        evidence: { source_used_memory: sourceUsed, target_maxmemory: maxmemory, error: r.source.infoError ?? r.target.infoError ?? 'INFO memory lacked used_memory/maxmemory' },
        remediation: 'Make INFO readable on both endpoints and re-run.',
      };
    }
    const needed = Math.ceil(sourceUsed * MEMORY_OVERHEAD_FACTOR) + targetUsed;
    const evidence = {
      source_used_memory: sourceUsed,
      source_used_memory_human: mb(sourceUsed),
      target_used_memory: targetUsed,
      target_maxmemory: maxmemory,
      target_maxmemory_human: maxmemory ? mb(maxmemory) : 'unlimited (0)',
      overhead_factor: MEMORY_OVERHEAD_FACTOR,
      needed_bytes: needed,
      needed_human: mb(needed),
      explanation: `needed = source used_memory × ${MEMORY_OVERHEAD_FACTOR} (fragmentation after bulk RESTOREs, client/replication buffers during the copy) + target used_memory`,
    };
    if (maxmemory === 0) {
      const system = num(r.target.info?.total_system_memory);
      return {
        severity: 'info',
        title: 'Target has no maxmemory limit (0 = unlimited)',
        evidence: { ...evidence, target_total_system_memory: system, target_total_system_memory_human: system ? mb(system) : null },
        remediation: "Memory is bounded only by the host; make sure it has room for the data, or set maxmemory so the target refuses writes instead of being killed.",
      };
    }
    if (maxmemory < sourceUsed + targetUsed) {
      return { severity: 'blocking', title: `Target maxmemory ${mb(maxmemory)} is below the data to copy (${mb(sourceUsed + targetUsed)})`, evidence, remediation: `Raise the target's maxmemory to at least ${mb(needed)}.` };
    }
    if (maxmemory < needed) {
      return { severity: 'warning', title: `Target maxmemory ${mb(maxmemory)} leaves less than ${Math.round((MEMORY_OVERHEAD_FACTOR - 1) * 100)}% headroom (needs ${mb(needed)})`, evidence, remediation: `Raise the target's maxmemory to at least ${mb(needed)}.` };
    }
    return { severity: 'pass', title: `Target maxmemory ${mb(maxmemory)} covers ${mb(needed)}`, evidence, remediation: '' };
  },
};
