/**
 * MemoryCopyStore: the CopyStore used by tests and the benchmark (the service persists
 * with Prisma). Error keys are upserted on (db, key, target), as the contract asks.
 */
import type { Checkpoint, CopyStore, ErrorKeyRecord } from './types';

export class MemoryCopyStore implements CopyStore {
  checkpoint: Checkpoint | undefined;
  readonly errorKeys = new Map<string, ErrorKeyRecord>();
  saves = 0;

  async loadCheckpoint(): Promise<Checkpoint | undefined> {
    return this.checkpoint === undefined ? undefined : structuredClone(this.checkpoint);
  }

  async saveCheckpoint(cp: Checkpoint): Promise<void> {
    this.saves++;
    this.checkpoint = structuredClone(cp);
  }

  async recordErrorKeys(rows: ErrorKeyRecord[]): Promise<void> {
    for (const r of rows) this.errorKeys.set(`${r.db}:${r.target}:${r.key.toString('hex')}`, r);
  }

  /** Forgets error keys that were retried successfully. */
  clearErrorKeys(keys: { key: Buffer; db: number }[]): void {
    const want = new Set(keys.map((k) => `${k.db}:${k.key.toString('hex')}`));
    for (const [id, r] of this.errorKeys) if (want.has(`${r.db}:${r.key.toString('hex')}`)) this.errorKeys.delete(id);
  }

  errors(): ErrorKeyRecord[] {
    return [...this.errorKeys.values()];
  }
}
