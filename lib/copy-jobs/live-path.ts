/**
 * Copy jobs on the live path: a job whose source an interlay mirrors to one of its targets
 * runs with that interlay's copy coordination (lib/migration/README.md), so a key written
 * through the interlay while it is being copied is synced by state afterwards and the
 * target ends equal to the source once the mirror drains. See README.md "On the live path".
 */
import type { CopyCoordination } from '../copy/types';
import { AppError } from '../errors';
import type { LivePath } from './resources';

export interface JobCoordination {
  /** The interlays whose mirrors the run is coordinated with (one each, in target order). */
  interlays: string[];
  /** Their coordinations as one (undefined when none mirrors the job's source → targets). */
  coordination?: CopyCoordination;
  /** The job's targets an interlay mirrors to (the ones the run keeps in step with the live path). */
  targets: string[];
}

/**
 * The coordination for a run from `source` to `targets`. One interlay's coordinator covers
 * every side it writes (its target and mirror targets share its copy windows), so each
 * interlay is taken once; two interlays on one source (each mirroring to a different target
 * of the job) both see every window.
 */
export function coordinate(live: LivePath | undefined, source: string, targets: readonly string[]): JobCoordination {
  const found = new Map<string, CopyCoordination>();
  const mirrored: string[] = [];
  for (const t of targets) {
    const c = live?.coordination(source, t);
    if (!c) continue;
    mirrored.push(t);
    if (!found.has(c.interlay)) found.set(c.interlay, c.coordination);
  }
  const list = [...found.values()];
  return { interlays: [...found.keys()], coordination: list.length <= 1 ? list[0] : combine(list), targets: mirrored };
}

function combine(list: CopyCoordination[]): CopyCoordination {
  return {
    beginCopy: (db, keys) => list.map((c) => c.beginCopy(db, keys)),
    endCopy: (windows) => (windows as unknown[]).forEach((w, i) => list[i]!.endCopy(w)),
  };
}

/**
 * A job copying where an interlay mirrors needs conflict policy Replace: a mirrored write
 * may have left a partial value (a field of a hash not yet copied) that only RESTORE
 * REPLACE makes whole. 400 on `conflict_policy` otherwise.
 */
export function assertLivePolicy(live: LivePath | undefined, input: { source: string; targets: string[]; conflict_policy: string }): void {
  if (input.conflict_policy === 'Replace') return;
  const { interlays } = coordinate(live, input.source, input.targets);
  if (interlays.length === 0) return;
  const message = `interlay "${interlays[0]}" mirrors writes from ${input.source} to this job's target: a copy on the live path needs Replace (a mirrored write may have left a partial value that only RESTORE REPLACE makes whole)`;
  throw new AppError('VALIDATION', `Invalid copy job: conflict_policy: ${message}`, { issues: [{ path: 'conflict_policy', message }] });
}

/**
 * The job's targets were filled completely, coordinated with the interlays mirroring there
 * (pass only those targets: a copy that ran beside a mirror it was not coordinated with
 * proves nothing about the writes made meanwhile): those interlays trust them again.
 */
export function targetsRefilled(live: LivePath | undefined, source: string, targets: readonly string[]): void {
  for (const t of targets) live?.completed(source, t);
}
