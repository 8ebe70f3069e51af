/**
 * Noticing that a target lost the keys already copied to it. Source restarts break SCAN
 * cursors; target restarts (or a flush, or eviction) silently take copied data away, and
 * a run that only counts what it RESTOREd would finish `completed` over a half-empty
 * target. Three signals:
 *
 * 1. run_id: every new connection to a target reads it (Link.onRunId); a change means the
 *    target restarted — without persistence it is empty, with an older RDB it lacks the
 *    recent keys. Compared across runs too (Checkpoint.target_run_ids).
 * 2. keyspace shrink: each target db must hold at least the keys without expiry this pass
 *    RESTOREd there (DbCheckpoint.persistent); far fewer means the data went away with
 *    the same run_id (FLUSHALL, eviction, a proxy that moved to an empty node).
 * 3. when: after a reconnect (a connection was lost), every few seconds, and always
 *    before a pass may finish — a run never ends `completed` without this check.
 *
 * The run answers a loss by copying every db again from the start (the target's copy
 * restarts); a target that keeps losing keys fails the run instead of looping.
 */
import { Link, keyspace, runIdOf } from './link';
import type { RedisTarget } from './types';

export interface TargetLoss {
  target: number;
  cause: 'target_restarted' | 'target_data_lost';
  message: string;
  /** For a shrink: the run's epoch the expected counts were taken in (a loss already handled since is stale). */
  epoch?: number;
}

/**
 * Persistent keys may legitimately disappear from a target while it is copied to (the
 * live path mirrors the source's DELs), so a db must fall clearly short — by 10% and by
 * at least 10 keys — before its data counts as lost.
 */
const SHRINK_SHARE = 0.1;
const SHRINK_MIN_KEYS = 10;

export function describeTarget(t: RedisTarget, index: number): string {
  return `target ${index} (${t.host}:${t.port})`;
}

export class TargetWatch {
  private readonly links: Link[];
  private readonly known: string[];

  constructor(
    private readonly targets: RedisTarget[],
    tag: string,
    private readonly lost: (l: TargetLoss) => void,
    /** A target connection was re-established: worth a keyspace check soon. */
    private readonly reconnected: () => void,
  ) {
    this.links = targets.map((t) => new Link(t, 0, `interlay-copy-${tag}`));
    this.known = targets.map(() => '');
  }

  /** Connects to every target and reads its run_id ('' when INFO is not allowed). */
  async open(): Promise<string[]> {
    for (let i = 0; i < this.links.length; i++) {
      this.known[i] = await runIdOf(await this.links[i].conn());
      this.links[i].onRunId = (id, again) => this.seen(i, id, again);
    }
    return this.runIds();
  }

  runIds(): string[] {
    return [...this.known];
  }

  /** A connection to target `i` found `runId` (from any of the run's links to it). */
  seen(i: number, runId: string, reconnected: boolean): void {
    const was = this.known[i];
    if (runId !== '' && was !== '' && runId !== was) {
      this.known[i] = runId;
      this.lost({ target: i, cause: 'target_restarted', message: `${describeTarget(this.targets[i], i)} restarted (run_id ${was.slice(0, 8)} → ${runId.slice(0, 8)}): the keys copied to it so far may be gone` });
    } else if (reconnected) {
      this.reconnected();
    }
  }

  /**
   * Compares each target db's key count with the persistent keys copied there
   * (`mustHold[target]`: target db → keys, taken in the run's `epoch`). Reading INFO
   * reconnects a dropped link, which reports a changed run_id first.
   */
  async check(mustHold: Array<Map<number, number>>, epoch: number): Promise<void> {
    for (let i = 0; i < this.links.length; i++) {
      const ks = await keyspace(this.links[i]);
      for (const [db, must] of mustHold[i] ?? []) {
        const have = ks[db] ?? 0;
        if (have < must - Math.max(SHRINK_MIN_KEYS, must * SHRINK_SHARE)) {
          this.lost({
            target: i,
            cause: 'target_data_lost',
            message: `${describeTarget(this.targets[i], i)} db ${db} holds ${have} keys, but at least ${must} keys without expiry were copied to it: its data went away (flushed, evicted, or restarted without it)`,
            epoch,
          });
          break;
        }
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((l) => l.close()));
  }
}
