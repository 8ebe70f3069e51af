/**
 * Repair: re-copies the divergent keys a verification found (source → the target they
 * differ on, Replace semantics), marks them repaired, resolves their error keys, and
 * records keys that fail again as error keys of the job.
 *
 * The verification's list is complete only for a full verification that was not
 * truncated (it lists at most 10,000 keys; counts are complete). Otherwise — truncated,
 * or a sample — repairing the list would leave divergent keys behind, so after the list
 * the job's whole scope is compared again and every divergent key found is repaired as
 * it is found. A repair that could not bring every key back ends `partial` and says why.
 * It runs in the background (the route answers 202): a rescan takes as long as a copy.
 */
import type { CopyCoordination, CopySpec, ErrorKeyRecord, Mismatch, RepairResult } from '../copy/types';
import type { Actor } from '../auth/roles';
import { conflict } from '../errors';
import { finishedOnly, type ErrorKeys } from './error-keys';
import { toBuffer } from './keys';
import { coordinate } from './live-path';
import { buildSpec, forTarget } from './spec';
import { isActive } from './state';
import { resolveCopied, upsertErrorKeys } from './store';
import { groupBy, jobRow, PAGE, verificationRow, type CopyJobResources, type VerificationRow } from './resources';
import type { CopyJobOptions } from './schema';
import { verificationView, type VerificationView } from './views';
import { formatCount } from './words';

interface Tally {
  repaired: number;
  removed: number;
  failed: number;
  failedByClass: Map<string, number>;
}

export class Repairs {
  constructor(
    private readonly res: CopyJobResources,
    private readonly errorKeys: ErrorKeys,
    /** Keeps background work so the service's stop() can wait for it. */
    private readonly track: (p: Promise<unknown>) => void,
  ) {}

  /** Starts a repair in the background; answers with the verification, its repair `running`. */
  async start(actor: Actor, id: string, vid: string): Promise<VerificationView> {
    const { prisma } = this.res;
    const v = await verificationRow(prisma, id, vid);
    if (v.status !== 'completed') throw conflict(`Verification ${vid} is ${v.status}; only a completed verification can be repaired`);
    if (v.repairStatus === 'running') throw conflict(`A repair of verification ${vid} is running; wait for it to finish`);
    const job = finishedOnly(await jobRow(prisma, id), 'Repair its divergent keys');
    const spec = await buildSpec(this.res.endpoints, job.spec as CopyJobOptions);
    const started = await prisma.copyJobVerification.update({
      where: { id: vid },
      data: { repairStatus: 'running', repairMessage: null, repairRescanned: false, repairFailed: 0, repairRemoved: 0 },
    });
    await this.res.audit.record(actor, { action: 'copy_job.repair', objectType: 'copy_job', objectId: id, details: { verification: vid } });
    // Coordinated with the interlays mirroring there, as the job's run was.
    const { coordination } = coordinate(this.res.livePath, job.source, job.targets);
    this.track(this.run(actor, started, spec, coordination));
    this.res.notifier.changed({ kind: 'copy-job', id });
    return verificationView(started);
  }

  private async run(actor: Actor, v: VerificationRow, spec: CopySpec, coordination: CopyCoordination | undefined): Promise<void> {
    const { prisma } = this.res;
    const log = this.res.log.child({ job: v.jobId, verification: v.id, repair: true });
    const tally: Tally = { repaired: 0, removed: 0, failed: 0, failedByClass: new Map() };
    const rescan = v.truncated || v.mode === 'sample';
    try {
      const listed = await this.repairListed(v, spec, tally, coordination);
      let words = `re-copied ${formatCount(listed)} listed divergent keys`;
      if (rescan) {
        await prisma.copyJobVerification.update({ where: { id: v.id }, data: { repairRescanned: true } });
        const r = await this.res.engine.repairScope(spec, {
          ttlToleranceMs: v.ttlToleranceMs,
          log,
          onChunk: async (found, res) => void (await this.record(v.jobId, found, res, tally)),
          coordination,
        });
        words +=
          `; the verification ${v.truncated ? `listed only ${formatCount(await this.listedCount(v.id))} of the divergent keys` : 'was a sample'}, ` +
          `so the job's whole scope was compared again: ${formatCount(r.checked)} keys checked, ${formatCount(r.found)} more divergent found and repaired`;
      }
      if (tally.removed) words += `; ${formatCount(tally.removed)} keys gone from the source were deleted on the target`;
      const partial = tally.failed > 0;
      const message = partial
        ? `Partial: ${words}, but ${formatCount(tally.failed)} keys could not be re-copied (${[...tally.failedByClass].map(([c, n]) => `${c} ${formatCount(n)}`).join(', ')}); they are error keys of the job now — fix the cause, then retry them there.`
        : `Every divergent key is back: ${words}.`;
      await prisma.copyJobVerification.update({
        where: { id: v.id },
        data: { repairStatus: partial ? 'partial' : 'completed', repaired: v.repaired + tally.repaired, repairFailed: tally.failed, repairRemoved: tally.removed, repairMessage: message },
      });
      log.info({ repaired: tally.repaired, removed: tally.removed, failed: tally.failed, rescan }, 'repair finished');
    } catch (e) {
      log.error({ err: e }, 'repair failed');
      await prisma.copyJobVerification.update({
        where: { id: v.id },
        data: { repairStatus: 'failed', repaired: v.repaired + tally.repaired, repairFailed: tally.failed, repairRemoved: tally.removed, repairMessage: `Repair failed after re-copying ${formatCount(tally.repaired)} keys: ${(e as Error).message}. Run it again once the cause is fixed.` },
      });
    }
    // Counts follow the error keys repair resolved or added, unless a run holds them again.
    if (!isActive((await jobRow(prisma, v.jobId)).status)) await this.errorKeys.settleCounts(actor, v.jobId, 'divergent keys were re-copied by a repair');
    this.res.notifier.changed({ kind: 'copy-job', id: v.jobId });
  }

  /** The verification's own list, page by page; returns how many keys it re-copied. */
  private async repairListed(v: VerificationRow, spec: CopySpec, tally: Tally, coordination: CopyCoordination | undefined): Promise<number> {
    const { prisma } = this.res;
    const before = tally.repaired;
    let after = 0n;
    for (;;) {
      const rows = await prisma.copyJobMismatch.findMany({ where: { verificationId: v.id, repaired: false, id: { gt: after } }, orderBy: { id: 'asc' }, take: PAGE });
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      for (const [target, group] of groupBy(rows, (r) => r.target)) {
        const found: Mismatch[] = group.map((m) => ({ key: toBuffer(m.key), db: m.db, target: 0, kind: m.kind as Mismatch['kind'], detail: m.detail }));
        const res = await this.res.engine.repair(forTarget(spec, target), found, { coordination });
        const failed = await this.record(v.jobId, found.map((m) => ({ ...m, target })), { ...res, failed: res.failed.map((f) => ({ ...f, target })) }, tally);
        const ok = group.filter((m) => !failed.has(`${m.db}:${toBuffer(m.key).toString('hex')}`));
        if (ok.length) await prisma.copyJobMismatch.updateMany({ where: { id: { in: ok.map((m) => m.id) } }, data: { repaired: true } });
      }
    }
    return tally.repaired - before;
  }

  /**
   * One chunk's outcome: failures become error keys, keys brought back resolve theirs.
   * Returns the failed keys (`db:hex`).
   */
  private async record(jobId: string, found: Mismatch[], res: RepairResult, tally: Tally): Promise<Set<string>> {
    const failures: ErrorKeyRecord[] = res.failed;
    const failed = new Set(failures.map((f) => `${f.db}:${f.key.toString('hex')}`));
    tally.repaired += res.repaired;
    tally.removed += res.removed;
    tally.failed += failures.length;
    for (const f of failures) tally.failedByClass.set(f.errorClass, (tally.failedByClass.get(f.errorClass) ?? 0) + 1);
    if (failures.length) await upsertErrorKeys(this.res.prisma, jobId, failures);
    for (const [target, group] of groupBy(found.filter((m) => !failed.has(`${m.db}:${m.key.toString('hex')}`)), (m) => m.target)) {
      await resolveCopied(this.res.prisma, jobId, target, group, 're-copied by a repair');
    }
    return failed;
  }

  private listedCount(vid: string): Promise<number> {
    return this.res.prisma.copyJobMismatch.count({ where: { verificationId: vid } });
  }
}
