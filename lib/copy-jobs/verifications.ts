/**
 * Verifications of a job: started in the background (the route answers 202), their
 * counts and bounded mismatch lists, pages and streamed exports.
 */
import type { CopySpec, Mismatch } from '../copy/types';
import type { Actor } from '../auth/roles';
import { exportStream, type ExportFormat } from './export';
import { buildSpec } from './spec';
import { jobRow, PAGE, verificationRow, type CopyJobResources, type VerificationRow } from './resources';
import type { CopyJobOptions, MismatchQuery, VerifyInput } from './schema';
import { mismatchItem, verificationView, type MismatchItem, type VerificationView } from './views';

/** Longest mismatch list a verification keeps (counts are always complete). */
const MAX_MISMATCHES = 10_000;

export class Verifications {
  constructor(
    private readonly res: CopyJobResources,
    /** Keeps background work so the service's stop() can wait for it. */
    private readonly track: (p: Promise<unknown>) => void,
  ) {}

  /**
   * Starts a verification in the background and returns it with status `running` (the
   * route answers 202); poll GET .../verifications/{vid} or wait for a `changed` event.
   */
  async start(actor: Actor, id: string, input: VerifyInput): Promise<VerificationView> {
    const { prisma } = this.res;
    const row = await jobRow(prisma, id);
    const spec = await buildSpec(this.res.endpoints, row.spec as CopyJobOptions);
    const v = await prisma.copyJobVerification.create({
      data: { jobId: id, mode: input.mode, sampleSize: input.sample_size ?? null, ttlToleranceMs: input.ttl_tolerance_ms ?? 2000, createdBy: actor.username },
    });
    await this.res.audit.record(actor, { action: 'copy_job.verify', objectType: 'copy_job', objectId: id, details: { verification: v.id, mode: input.mode } });
    this.track(this.run(v, spec));
    this.res.notifier.changed({ kind: 'copy-job', id });
    return verificationView(v);
  }

  private async run(v: VerificationRow, spec: CopySpec): Promise<void> {
    const { prisma } = this.res;
    const log = this.res.log.child({ job: v.jobId, verification: v.id });
    try {
      const res = await this.res.engine.verify(spec, {
        mode: v.mode as 'full' | 'sample',
        sampleSize: v.sampleSize ?? undefined,
        ttlToleranceMs: v.ttlToleranceMs,
        maxMismatches: MAX_MISMATCHES,
        log,
      });
      await this.saveMismatches(v.id, res.mismatches);
      await prisma.copyJobVerification.update({
        where: { id: v.id },
        data: {
          status: 'completed',
          checked: BigInt(res.checked),
          missing: BigInt(res.missing),
          typeMismatch: BigInt(res.type_mismatch),
          valueMismatch: BigInt(res.value_mismatch),
          ttlMismatch: BigInt(res.ttl_mismatch),
          truncated: res.truncated,
          finishedAt: new Date(),
        },
      });
      log.info({ checked: res.checked, mismatches: res.mismatches.length }, 'verification finished');
    } catch (e) {
      log.error({ err: e }, 'verification failed');
      await prisma.copyJobVerification.update({ where: { id: v.id }, data: { status: 'failed', error: (e as Error).message, finishedAt: new Date() } });
    }
    this.res.notifier.changed({ kind: 'copy-job', id: v.jobId });
  }

  private async saveMismatches(vid: string, mismatches: Mismatch[]): Promise<void> {
    for (let i = 0; i < mismatches.length; i += PAGE) {
      await this.res.prisma.copyJobMismatch.createMany({
        data: mismatches.slice(i, i + PAGE).map((m) => ({ verificationId: vid, target: m.target ?? 0, db: m.db, key: new Uint8Array(m.key), kind: m.kind, detail: m.detail ?? '' })),
      });
    }
  }

  async list(id: string): Promise<VerificationView[]> {
    await jobRow(this.res.prisma, id);
    const rows = await this.res.prisma.copyJobVerification.findMany({ where: { jobId: id }, orderBy: { createdAt: 'desc' }, take: 100 });
    return rows.map(verificationView);
  }

  async get(id: string, vid: string, q: MismatchQuery): Promise<VerificationView & { mismatches: MismatchItem[]; next_cursor: string | null }> {
    const v = await verificationRow(this.res.prisma, id, vid);
    const rows = await this.res.prisma.copyJobMismatch.findMany({
      where: { verificationId: vid, ...(q.kind ? { kind: q.kind } : {}), ...(q.cursor ? { id: { gt: BigInt(q.cursor) } } : {}) },
      orderBy: { id: 'asc' },
      take: q.limit + 1,
    });
    const items = rows.slice(0, q.limit).map(mismatchItem);
    return { ...verificationView(v), mismatches: items, next_cursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
  }

  async exportMismatches(id: string, vid: string, q: MismatchQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    await verificationRow(this.res.prisma, id, vid);
    return exportStream({
      format,
      columns: ['id', 'target', 'db', 'key', 'key_encoding', 'kind', 'detail', 'repaired'],
      page: async (after) => {
        const rows = await this.res.prisma.copyJobMismatch.findMany({
          where: { verificationId: vid, id: { gt: after }, ...(q.kind ? { kind: q.kind } : {}) },
          orderBy: { id: 'asc' },
          take: PAGE * 2,
        });
        return { rows: rows.map(mismatchItem), last: rows.length ? rows[rows.length - 1]!.id : after };
      },
    });
  }
}
