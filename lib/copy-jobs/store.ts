/**
 * The engine's CopyStore backed by the console's database: the checkpoint (JSONB) and the
 * job's counts are written together after every batch, so a resumed job continues from the
 * counts it had (never doubled); error keys are upserted on (job, target, db, key) so a
 * replayed batch or a repeat failure increments `attempts` instead of adding a row.
 */
import type { Checkpoint, CopyStore, ErrorKeyRecord } from '../copy/types';
import type { PrismaClient } from '../db';

type Tx = Pick<PrismaClient, '$executeRawUnsafe'>;

/** Rows per INSERT: 8 parameters each, far below PostgreSQL's 65535-parameter limit. */
const UPSERT_CHUNK = 500;

export interface JobCounts {
  scanned: number;
  copied: number;
  skipped: number;
  expired: number;
  conflicts: number;
  errors: number;
  bytes: number;
}

export const ZERO_COUNTS: JobCounts = Object.freeze({ scanned: 0, copied: 0, skipped: 0, expired: 0, conflicts: 0, errors: 0, bytes: 0 });

/** The job's totals are the sums over the checkpoint's dbs (the checkpoint is the source of truth). */
export function countsOf(cp: Checkpoint | undefined): JobCounts {
  const out = { ...ZERO_COUNTS };
  for (const d of Object.values(cp?.dbs ?? {})) {
    for (const k of Object.keys(out) as (keyof JobCounts)[]) out[k] += Number(d[k] ?? 0);
  }
  return out;
}

export async function upsertErrorKeys(tx: Tx, jobId: string, rows: readonly ErrorKeyRecord[]): Promise<void> {
  // One statement cannot update the same row twice (ON CONFLICT), so keep the last of duplicates.
  const unique = new Map<string, ErrorKeyRecord>();
  for (const r of rows) unique.set(`${r.target}:${r.db}:${r.key.toString('hex')}`, r);
  const all = [...unique.values()];
  for (let i = 0; i < all.length; i += UPSERT_CHUNK) {
    const chunk = all.slice(i, i + UPSERT_CHUNK);
    const params: unknown[] = [jobId];
    const values = chunk.map((r) => {
      const base = params.length;
      params.push(r.target, r.db, r.key, r.type ?? null, r.size ?? null, r.errorClass, r.message.slice(0, 2000), r.retryable);
      const p = (n: number) => `$${base + n}`;
      return `($1::uuid, ${p(1)}::int, ${p(2)}::int, ${p(3)}::bytea, ${p(4)}::text, ${p(5)}::bigint, ${p(6)}::text, ${p(7)}::text, ${p(8)}::boolean)`;
    });
    await tx.$executeRawUnsafe(
      `INSERT INTO "copy_job_error_keys" ("job_id", "target", "db", "key", "type", "size", "error_class", "message", "retryable")
       VALUES ${values.join(', ')}
       ON CONFLICT ("job_id", "target", "db", "key") DO UPDATE SET
         "attempts" = "copy_job_error_keys"."attempts" + 1,
         "last_seen" = CURRENT_TIMESTAMP,
         "type" = COALESCE(EXCLUDED."type", "copy_job_error_keys"."type"),
         "size" = COALESCE(EXCLUDED."size", "copy_job_error_keys"."size"),
         "error_class" = EXCLUDED."error_class",
         "message" = EXCLUDED."message",
         "retryable" = EXCLUDED."retryable",
         "resolved" = false,
         "resolved_at" = NULL,
         "resolution_note" = NULL`,
      ...params,
    );
  }
}

export class DbCopyStore implements CopyStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly jobId: string,
    /** Told after each committed batch (e.g. to refresh the list's counts). */
    private readonly onCommit?: (counts: JobCounts) => void,
  ) {}

  async loadCheckpoint(): Promise<Checkpoint | undefined> {
    const row = await this.prisma.copyJob.findUnique({ where: { id: this.jobId }, select: { checkpoint: true } });
    return (row?.checkpoint as Checkpoint | null) ?? undefined;
  }

  async saveCheckpoint(cp: Checkpoint): Promise<void> {
    await this.writeCheckpoint(this.prisma, cp);
  }

  async recordErrorKeys(rows: ErrorKeyRecord[]): Promise<void> {
    if (rows.length) await upsertErrorKeys(this.prisma, this.jobId, rows);
  }

  /** Error keys and checkpoint in one transaction: a crash never keeps one without the other. */
  async commitBatch(cp: Checkpoint, rows: ErrorKeyRecord[]): Promise<void> {
    if (rows.length === 0) return this.saveCheckpoint(cp);
    await this.prisma.$transaction(async (tx) => {
      await upsertErrorKeys(tx, this.jobId, rows);
      await this.writeCheckpoint(tx as unknown as PrismaClient, cp);
    });
  }

  private async writeCheckpoint(client: PrismaClient, cp: Checkpoint): Promise<void> {
    const c = countsOf(cp);
    await client.copyJob.update({
      where: { id: this.jobId },
      data: {
        checkpoint: cp as never,
        scanned: BigInt(c.scanned),
        copied: BigInt(c.copied),
        skipped: BigInt(c.skipped),
        expired: BigInt(c.expired),
        conflicts: BigInt(c.conflicts),
        errors: BigInt(c.errors),
        bytes: BigInt(c.bytes),
      },
    });
    this.onCommit?.(c);
  }
}
