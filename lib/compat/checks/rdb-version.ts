import { FALLBACK_TYPES, maxRdbVersion, rdbAcceptance, serverOf } from '../facts';
import type { CompatCheck } from '../types';

export const rdbVersion: CompatCheck = {
  id: 'rdb-version',
  describe: "DUMP payloads of the source (RDB version in the payload trailer) load on the target's RESTORE.",
  run(r) {
    const src = serverOf(r.source);
    const tgt = serverOf(r.target);
    if (!tgt?.version) {
      return { severity: 'warning', title: 'Target version unknown (degraded)', evidence: { error: r.target.infoError ?? 'no INFO' }, remediation: 'Make INFO readable on the target and re-run.' };
    }
    const targetMax = maxRdbVersion(tgt.product, tgt.version);
    const fromDump = r.sample?.rdbVersion ?? null;
    const sourceRdb = fromDump ?? (src?.version ? maxRdbVersion(src.product, src.version) : null);
    const evidence: Record<string, unknown> = {
      source: src ? `${src.product} ${src.version?.text ?? '?'}` : null,
      target: `${tgt.product} ${tgt.version.text}`,
      source_rdb_version: sourceRdb,
      source_rdb_from: fromDump !== null ? 'DUMP payload trailer' : 'version table (no key could be DUMPed)',
      target_max_rdb_version: targetMax,
      fallback: r.options.fallback,
    };
    if (sourceRdb === null || targetMax === null) {
      return { severity: 'warning', title: 'RDB compatibility could not be determined (degraded)', evidence, remediation: 'Run a test run: it RESTOREs real payloads on the target and shows whether they load.' };
    }
    const ok = rdbAcceptance(sourceRdb, tgt.product, targetMax);
    if (ok === 'yes') return { severity: 'pass', title: `Target accepts RDB ${sourceRdb} payloads (max ${targetMax})`, evidence, remediation: '' };

    // Share of sampled keys the type-based fallback can rebuild (core types) vs not (module types).
    const keys = r.sample?.keys ?? [];
    const handled = keys.filter((k) => FALLBACK_TYPES.has(k.type)).length;
    evidence.sampled_keys = keys.length;
    evidence.fallback_handles = keys.length ? handled : null;
    evidence.fallback_cannot = keys.length ? keys.length - handled : null;
    evidence.fallback_share_pct = keys.length ? Math.round((handled / keys.length) * 1000) / 10 : null;
    if (ok === 'relaxed-only') evidence.note = 'Valkey loads foreign (Redis 7.4+) RDB versions only with rdb-version-check relaxed, and refuses unknown types';
    if (r.options.fallback === 'auto') {
      const unhandled = keys.length - handled;
      return {
        severity: unhandled > 0 ? 'blocking' : 'warning',
        title:
          unhandled > 0
            ? `Target refuses RDB ${sourceRdb}; ${unhandled} sampled key(s) are of types the fallback cannot rebuild`
            : `Target refuses RDB ${sourceRdb}; the type-based fallback will rebuild ${handled} of ${keys.length} sampled keys`,
        evidence,
        remediation:
          unhandled > 0
            ? 'Upgrade the target to a release that reads this RDB version, or remove/convert the module-typed keys.'
            : 'The copy reads values and rewrites them with type commands (slower; TTLs kept). Upgrade the target to copy with DUMP/RESTORE instead.',
      };
    }
    return {
      severity: 'blocking',
      title: `Target (max RDB ${targetMax}) cannot load the source's RDB ${sourceRdb} payloads`,
      evidence,
      remediation: ok === 'relaxed-only'
        ? 'Set rdb-version-check relaxed on the Valkey target, or enable the type-based fallback (fallback: auto), or upgrade the target.'
        : 'Upgrade the target to a release at least as new as the source, or enable the type-based fallback (fallback: auto).',
    };
  },
};
