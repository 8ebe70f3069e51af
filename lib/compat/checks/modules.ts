import { CORE_TYPES, MODULE_TYPES } from '../facts';
import type { CompatCheck } from '../types';

export const modules: CompatCheck = {
  id: 'modules',
  describe: 'Modules loaded on the source (MODULE LIST) and keys of module types exist on the target too.',
  run(r) {
    if (r.source.modules === null || r.target.modules === null) {
      return {
        severity: 'warning',
        title: 'MODULE LIST refused (degraded)',
        evidence: { source_error: r.source.modulesError ?? null, target_error: r.target.modulesError ?? null },
        remediation: 'Allow MODULE LIST for the admin user (or add an admin connection to the endpoint) and re-run.',
      };
    }
    const lower = (n: string) => n.toLowerCase();
    const targetNames = new Set(r.target.modules.map((m) => lower(m.name)));
    const missing = r.source.modules.filter((m) => !targetNames.has(lower(m.name)));
    const moduleTypes = new Map<string, number>();
    for (const k of r.sample?.keys ?? []) if (!CORE_TYPES.has(k.type)) moduleTypes.set(k.type, (moduleTypes.get(k.type) ?? 0) + 1);
    const unsupported = [...moduleTypes].filter(([type]) => {
      const mod = MODULE_TYPES[type];
      // An unmapped type is unsupported when any source module is missing on the target.
      return mod ? !targetNames.has(lower(mod)) : missing.length > 0;
    });
    const evidence = {
      source_modules: r.source.modules,
      target_modules: r.target.modules,
      missing_on_target: missing.map((m) => m.name),
      module_typed_keys_in_sample: Object.fromEntries(moduleTypes),
      sampled_keys: r.sample?.keys.length ?? 0,
    };
    if (unsupported.length > 0) {
      return {
        severity: 'blocking',
        title: `Source holds keys of module types the target lacks: ${unsupported.map(([t, n]) => `${t} (${n})`).join(', ')}`,
        evidence: { ...evidence, unsupported_types: unsupported.map(([t]) => t) },
        remediation: `Load ${missing.map((m) => m.name).join(', ') || 'the matching module'} on the target (same or newer version) before copying.`,
      };
    }
    if (missing.length > 0) {
      return {
        severity: 'warning',
        title: `Modules missing on the target: ${missing.map((m) => m.name).join(', ')} (no keys of their types in the sample)`,
        evidence,
        remediation: 'Applications may still call these modules\' commands; load the modules on the target or confirm they are unused.',
      };
    }
    return { severity: 'pass', title: r.source.modules.length ? 'Every source module is loaded on the target' : 'No modules on the source', evidence, remediation: '' };
  },
};
