/**
 * The live path in words, for the interlay page: what each stage does, what a move from
 * one stage to another changes (the confirmation modal says it before the operator
 * confirms), and a one-line reading of each write-consistency policy. Everything is derived
 * from the rules in lib/migration/stages.ts (see lib/migration/README.md for the tables),
 * so the words cannot drift from what the engine does.
 */
import { isRollback, mirrors, needsSyncedTarget, primaryOf, readPolicy, STAGES, WRITE_CONSISTENCY, type Stage, type WriteConsistency } from '@/lib/migration/stages';

export { STAGES, WRITE_CONSISTENCY, type Stage, type WriteConsistency };

export const STAGE_LABEL: Record<Stage, string> = {
  source: 'Source',
  dual_write: 'Dual write',
  shadow: 'Shadow',
  canary: 'Canary',
  target_primary: 'Target primary',
  target: 'Target',
};

/** Where reads are served from in a stage. */
export function readsFrom(stage: Stage, canaryPercent: number): string {
  switch (stage) {
    case 'source':
    case 'dual_write':
      return 'the source';
    case 'shadow':
      return 'the source (a sampled share is also sent to the target and compared, never served)';
    case 'canary':
      return `the target for ${canaryPercent}% of client connections, the source for the rest`;
    case 'target_primary':
    case 'target':
      return 'the target';
  }
}

/** Which sides a write reaches, primary first. */
export function writesTo(stage: Stage): string {
  const primary = primaryOf(stage);
  if (!mirrors(stage)) return 'the source only (passthrough)';
  if (stage === 'target') return 'the target, mirrored to the mirror targets (the source is no longer written)';
  const other = primary === 'source' ? 'the target' : 'the source';
  return `the ${primary} first, mirrored to ${other} and the mirror targets`;
}

/** The short description under a stage in the stepper. */
export const STAGE_HINT: Record<Stage, string> = {
  source: 'passthrough',
  dual_write: 'writes mirrored',
  shadow: 'reads compared',
  canary: 'some reads from target',
  target_primary: 'target serves',
  target: 'target only',
};

export interface MoveSummary {
  rollback: boolean;
  /** Plain sentences, in the order the modal shows them. */
  lines: string[];
  /** A warning the operator must read (data the move gives up, a target not in sync). */
  warning: string | null;
}

/** What moving from `from` to `to` does, in words. */
export function describeMove(from: Stage, to: Stage, o: { canaryPercent: number; target: string | null; inSync: boolean }): MoveSummary {
  const rollback = isRollback(from, to);
  const lines = [`Reads are served by ${readsFrom(to, o.canaryPercent)}.`, `Writes go to ${writesTo(to)}.`];
  const pFrom = primaryOf(from);
  const pTo = primaryOf(to);
  if (pFrom !== pTo) {
    lines.push(`The primary moves from the ${pFrom} to the ${pTo}: new commands are held while writes in flight finish on every side, then run on the ${pTo}; no client connection is dropped.`);
  }
  if (mirrors(from) && !mirrors(to)) lines.push('Mirroring stops: from now on the target no longer receives writes.');
  if (!mirrors(from) && mirrors(to)) lines.push(`Mirroring starts${o.target ? ` to ${o.target}` : ''}; keys written before now reach the target only through a copy job.`);
  if (rollback) lines.push('This is a rollback to an earlier stage.');
  let warning: string | null = null;
  if (from === 'target' && rollback) warning = 'The source was not written in stage target: moving back loses what was written since, unless the target is copied back first. The server asks for a forced move with a reason.';
  else if (needsSyncedTarget(to) && !rollback && !o.inSync) warning = 'The target is not known to be in sync: the server refuses this move unless it is forced with a reason.';
  return { rollback, lines, warning };
}

/** One line per policy (lib/migration/README.md, "Write-consistency policies"). */
export const POLICY_TEXT: Record<WriteConsistency, string> = {
  SourceAuthoritative: "Clients get the source's reply; a target failure never fails a client — it is recorded and repaired from the source.",
  TargetAuthoritative: "Clients get the target's reply; a source failure is recorded and repaired from the target.",
  BothRequired: 'A write succeeds only if both sides accepted it; otherwise the client gets an error and the sides are repaired to agree with the primary.',
  BestEffort: "Clients get the primary's reply at once; failures on the other side are counted and mark the link out of sync, not repaired automatically.",
};

/** How a policy reads in a stage: whose reply the client gets and what it waits for. */
export function policyInStage(policy: WriteConsistency, stage: Stage): string {
  if (!mirrors(stage)) return 'No write is mirrored in stage source: the policy applies from dual_write on.';
  const r = readPolicy(policy, stage);
  const who = r.authority === 'both' ? 'success only when both sides accepted' : `the ${r.authority}'s reply`;
  const wait = r.wait.length === 1 ? `at once (after the ${r.wait[0]})` : `once the ${r.wait.join(' and the ')} answered`;
  return `In this stage the client gets ${who}, ${wait}; ${r.repair ? 'a failed side is repaired automatically' : 'failures are not repaired automatically'}.`;
}
