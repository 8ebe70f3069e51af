import { compareVersions, parseVersion, serverOf } from '../facts';
import type { CompatCheck } from '../types';

/** The oldest Redis the DUMP/RESTORE path supports: RDB 9 payloads, MEMORY USAGE, SCAN TYPE and UNLINK. */
export const MIN_SOURCE_VERSION = parseVersion('5.0.0')!;

export const sourceVersion: CompatCheck = {
  id: 'source-version',
  describe: 'Source server generation is supported by the DUMP/RESTORE copy path (Redis ≥ 5).',
  run(r) {
    const s = serverOf(r.source);
    if (!s || !s.version) {
      return {
        severity: 'warning',
        title: 'Source version unknown (degraded)',
        evidence: { error: r.source.infoError ?? 'INFO server had no version' },
        remediation: 'Make INFO readable for the source read (or admin) user and re-run.',
      };
    }
    const evidence = { product: s.product, version: s.version.text, minimum: MIN_SOURCE_VERSION.text };
    if (s.product === 'redis' && compareVersions(s.version, MIN_SOURCE_VERSION) < 0) {
      return {
        severity: 'blocking',
        title: `Source runs Redis ${s.version.text}, below the supported 5.0`,
        evidence,
        remediation: 'Upgrade the source to Redis 5.0 or later (e.g. via a replica on a newer version) before migrating, or export with a tool that reads RDB files of this generation.',
      };
    }
    if (s.product !== 'redis' && s.product !== 'valkey') {
      return { severity: 'info', title: `Source is ${s.product} ${s.version.text}`, evidence, remediation: 'Compatible products are handled on a best-effort basis; run a test run to confirm DUMP/RESTORE works.' };
    }
    return { severity: 'pass', title: `Source ${s.product} ${s.version.text} is supported`, evidence, remediation: '' };
  },
};
