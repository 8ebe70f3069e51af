/**
 * Repair: re-copies the divergent keys a verification found (source → the target they
 * differ on, Replace semantics), marks them repaired, and records keys that fail again as
 * error keys of the job.
 */
import type { Mismatch } from '../copy/types';
import type { Actor } from '../auth/roles';
import { AppError, conflict } from '../errors';
import { toBuffer } from './keys';
import { buildSpec, forTarget } from './spec';
import { upsertErrorKeys } from './store';
import { groupBy, jobRow, PAGE, verificationRow, type CopyJobResources } from './resources';
import type { CopyJobOptions } from './schema';
import { verificationView, type VerificationView } from './views';

export class Repairs {
  constructor(private readonly res: CopyJobResources) {}

  /** Synchronous: the mismatch list is bounded. */
  async repair(actor: Actor, id: string, vid: string): Promise<VerificationView & { removed: number }> {
    const { prisma } = this.res;
    const v = await verificationRow(prisma, id, vid);
    if (v.status !== 'completed') throw conflict(`Verification ${vid} is ${v.status}; only a completed verification can be repaired`);
    const job = await jobRow(prisma, id);
    const spec = await buildSpec(this.res.endpoints, job.spec as CopyJobOptions);
    await prisma.copyJobVerification.update({ where: { id: vid }, data: { repairStatus: 'running' } });
    let repaired = 0;
    let removed = 0;
    let failed = 0;
    try {
      let after = 0n;
      for (;;) {
        const rows = await prisma.copyJobMismatch.findMany({ where: { verificationId: vid, repaired: false, id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE });
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!.id;
        for (const [target, group] of groupBy(rows, (r) => r.target)) {
          const res = await this.res.engine.repair(
            forTarget(spec, target),
            group.map((m) => ({ key: toBuffer(m.key), db: m.db, target: 0, kind: m.kind as Mismatch['kind'], detail: m.detail })),
          );
          const failures = res.failed.map((f) => ({ ...f, target }));
          const failedKeys = new Set(failures.map((f) => `${f.db}:${f.key.toString('hex')}`));
          const ok = group.filter((m) => !failedKeys.has(`${m.db}:${toBuffer(m.key).toString('hex')}`));
          if (ok.length) await prisma.copyJobMismatch.updateMany({ where: { id: { in: ok.map((m) => m.id) } }, data: { repaired: true } });
          if (failures.length) await upsertErrorKeys(prisma, id, failures);
          repaired += res.repaired;
          removed += res.removed;
          failed += failures.length;
        }
      }
      await prisma.copyJobVerification.update({ where: { id: vid }, data: { repairStatus: 'completed', repaired: v.repaired + repaired, repairFailed: failed } });
    } catch (e) {
      await prisma.copyJobVerification.update({ where: { id: vid }, data: { repairStatus: 'failed', error: (e as Error).message } });
      throw new AppError('UPSTREAM', `Repair failed: ${(e as Error).message}`, { cause: e });
    }
    await this.res.audit.record(actor, { action: 'copy_job.repair', objectType: 'copy-job', objectId: id, details: { verification: vid, repaired, removed, failed } });
    this.res.notifier.changed({ kind: 'copy-job', id });
    return { ...verificationView(await verificationRow(prisma, id, vid)), removed };
  }
}
