/**
 * Traffic stages of an interlay during a live migration, and the write-consistency
 * policies, as data plus small pure functions (browser-safe: no Node imports).
 *
 *   source ─▶ dual_write ─▶ shadow ─▶ canary ─▶ target_primary ─▶ target
 *     ▲___________ any move back to an earlier stage is a rollback ___________│
 *
 * The stage says where reads are served from and which side is the *primary* (the side a
 * client's commands run on first); the policy says whose reply the client gets and when.
 */

export const STAGES = ['source', 'dual_write', 'shadow', 'canary', 'target_primary', 'target'] as const;
export type Stage = (typeof STAGES)[number];

export const WRITE_CONSISTENCY = ['SourceAuthoritative', 'TargetAuthoritative', 'BothRequired', 'BestEffort'] as const;
export type WriteConsistency = (typeof WRITE_CONSISTENCY)[number];

export type Side = 'source' | 'target';

export function stageIndex(s: Stage): number {
  return STAGES.indexOf(s);
}

/** The side a stage serves from: the source up to canary, the target from target_primary on. */
export function primaryOf(s: Stage): Side {
  return s === 'target_primary' || s === 'target' ? 'target' : 'source';
}

/** Whether writes reach the other side too (and every mirror target). */
export function mirrors(s: Stage): boolean {
  return s !== 'source';
}

/** Whether the source is written at all (not in `target`: after completion). */
export function writesSource(s: Stage): boolean {
  return s !== 'target';
}

/** Whether the stage needs a target endpoint. */
export function needsTarget(s: Stage): boolean {
  return s !== 'source';
}

/** Moving to an earlier stage: a rollback. */
export function isRollback(from: Stage, to: Stage): boolean {
  return stageIndex(to) < stageIndex(from);
}

/**
 * Moves that serve clients from the target need the target to hold everything the source
 * holds: canary (some reads), target_primary and target. The service refuses them (409)
 * unless the migration reports the target in sync, or the operator forces it with a reason.
 */
export function needsSyncedTarget(to: Stage): boolean {
  return stageIndex(to) >= stageIndex('canary');
}

/**
 * How a policy reads in a stage, for a write that reaches both sides:
 * - `authority`: whose reply the client gets, and the truth repairs copy from;
 * - `wait`: the sides the client's reply waits for (always the primary, so a client reads
 *   its own writes where it reads; plus the authority when that is the other side);
 * - `repair`: whether a side that failed or diverged is brought back by state automatically.
 * BothRequired: the client gets success only when both sides accepted; otherwise an error,
 * and the secondary is repaired from the primary (the side the stage serves from wins:
 * like a timeout, an error then does not say whether the write happened).
 */
export interface PolicyReading {
  authority: Side | 'both';
  wait: readonly Side[];
  repair: boolean;
}

export function readPolicy(policy: WriteConsistency, stage: Stage): PolicyReading {
  const primary = primaryOf(stage);
  const other: Side = primary === 'source' ? 'target' : 'source';
  switch (policy) {
    case 'SourceAuthoritative':
      return { authority: 'source', wait: primary === 'source' ? ['source'] : ['target', 'source'], repair: true };
    case 'TargetAuthoritative':
      return { authority: 'target', wait: primary === 'target' ? ['target'] : ['source', 'target'], repair: true };
    case 'BothRequired':
      return { authority: 'both', wait: [primary, other], repair: true };
    case 'BestEffort':
      return { authority: primary, wait: [primary], repair: false };
  }
}

/** The side repairs copy from when sides disagree. */
export function repairSource(policy: WriteConsistency, stage: Stage): Side {
  const r = readPolicy(policy, stage);
  return r.authority === 'both' ? primaryOf(stage) : r.authority;
}
