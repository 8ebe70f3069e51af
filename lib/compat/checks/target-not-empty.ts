import type { CompatCheck } from '../types';

const POLICY_EFFECT: Record<string, string> = {
  Replace: 'keys present on both sides are overwritten with the source version (RESTORE ... REPLACE); target-only keys stay',
  None: 'keys present on both sides are left as they are on the target and reported as conflicts (BUSYKEY); the source version is not copied',
  Merge: 'collections present on both sides are merged (fields/members added); strings and other types follow Replace',
};

export const targetNotEmpty: CompatCheck = {
  id: 'target-not-empty',
  describe: 'The target holds no keys yet, or the conflict policy says what happens to existing ones.',
  run(r) {
    if (!r.target.info) return { severity: 'warning', title: 'Target keyspace unknown (degraded)', evidence: { error: r.target.infoError ?? null }, remediation: 'Make INFO readable on the target and re-run.' };
    const dbs = r.target.keyspace.filter((d) => d.keys > 0);
    const total = dbs.reduce((s, d) => s + d.keys, 0);
    const evidence = {
      keys_per_db: Object.fromEntries(dbs.map((d) => [`db${d.db}`, d.keys])),
      total_keys: total,
      conflict_policy: r.options.conflictPolicy,
      policy_effect: POLICY_EFFECT[r.options.conflictPolicy],
      sampled_source_keys_already_on_target: r.collisions,
    };
    if (total === 0) return { severity: 'pass', title: 'Target is empty', evidence, remediation: '' };
    return {
      severity: 'warning',
      title: `Target already holds ${total} key(s) in ${dbs.length} database(s)`,
      evidence,
      remediation: `With conflict policy ${r.options.conflictPolicy}, ${POLICY_EFFECT[r.options.conflictPolicy]}. Flush the target first if it should start empty, or acknowledge that the existing keys are expected.`,
    };
  },
};
