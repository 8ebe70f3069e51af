/**
 * The engine's CopyStore backed by the console's database: the checkpoint (JSONB) and the
 * job's counts are written together, so a resumed job continues from the counts it had
 * (never doubled); error keys are upserted on (job, target, db, key) so a replayed batch
 * or a repeat failure increments `attempts` instead of adding a row.
 *
 * Error keys follow the passes: when a db's pass starts over (`rescans` grew: the source
 * restarted, or a target lost data), the earlier pass's rows of that db are marked
 * `superseded` in the same transaction as the first checkpoint of the new pass, so they
 * no longer count; keys failing again reopen their row.
 *
 * `recount` makes a finished job's counts true again after retry, resolve or repair: per
 * db, errors and conflicts are the keys with unresolved rows, resolved the keys a person
 * accepted, and copied the rest of what was scanned.
 */
import { CONFLICT_CLASSES } from '../copy/errors';
import type { Checkpoint, CopyStore, ErrorKeyRecord } from '../copy/types';
import type { PrismaClient } from '../db';
import type { PrismaDb } from '../db/transition';
import type { SqlExecutor } from '../db/migrate';

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
  /** Keys whose error a person resolved without a copy. */
  resolved: number;
}

export const ZERO_COUNTS: JobCounts = Object.freeze({ scanned: 0, copied: 0, skipped: 0, expired: 0, conflicts: 0, errors: 0, bytes: 0, resolved: 0 });

/** The job's totals are the sums over the checkpoint's dbs (the checkpoint is the source of truth). */
export function countsOf(cp: Checkpoint | undefined): JobCounts {
  const out = { ...ZERO_COUNTS };
  for (const d of Object.values(cp?.dbs ?? {})) {
    for (const k of Object.keys(out) as (keyof JobCounts)[]) out[k] += Number(d[k] ?? 0);
  }
  return out;
}

/** The count columns of a job row for these totals. */
function countColumns(c: JobCounts) {
  return {
    scanned: BigInt(c.scanned),
    copied: BigInt(c.copied),
    skipped: BigInt(c.skipped),
    expired: BigInt(c.expired),
    conflicts: BigInt(c.conflicts),
    errors: BigInt(c.errors),
    bytes: BigInt(c.bytes),
    resolved: BigInt(c.resolved),
  };
}

/** The SET clause that opens an error key again when it fails again (an upsert's conflict branch). */
export const REOPEN = '"resolved" = false, "resolved_at" = NULL, "resolution_note" = NULL, "resolution" = NULL';

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
         ${REOPEN}`,
      ...params,
    );
  }
}

/** Keys per UPDATE of resolveCopied (one text parameter of hex keys). */
const RESOLVE_CHUNK = 2000;

/**
 * Marks the unresolved error keys of these (db, key)s on `target` resolved as copied (a
 * retry or a repair copied them). The keys go as one text parameter of hex strings: a
 * `("db", "key") IN ((...), ...)` list of hundreds of parameters stalls PGlite's planner
 * the second time the statement runs.
 */
export async function resolveCopied(tx: Tx, jobId: string, target: number, keys: readonly { db: number; key: Buffer }[], note: string): Promise<void> {
  const byDb = new Map<number, string[]>();
  for (const k of keys) {
    const list = byDb.get(k.db) ?? [];
    list.push(k.key.toString('hex'));
    byDb.set(k.db, list);
  }
  for (const [db, hex] of byDb) {
    for (let i = 0; i < hex.length; i += RESOLVE_CHUNK) {
      await tx.$executeRawUnsafe(
        `UPDATE "copy_job_error_keys" SET "resolved" = true, "resolution" = 'copied', "resolved_at" = CURRENT_TIMESTAMP, "resolution_note" = $4::text,
                "attempts" = "attempts" + 1, "last_seen" = CURRENT_TIMESTAMP
          WHERE "job_id" = $1::uuid AND "target" = $2::int AND "db" = $3::int AND NOT "resolved"
            AND "key" IN (SELECT decode("h", 'hex') FROM unnest(string_to_array($5::text, ',')) AS "h")`,
        jobId,
        target,
        db,
        note,
        hex.slice(i, i + RESOLVE_CHUNK).join(','),
      );
    }
  }
}

const CONFLICTS_SQL = CONFLICT_CLASSES.map((c) => `'${c}'`).join(', ');

/**
 * Makes a finished job's counts (checkpoint and columns) agree with its error keys, per db:
 * errors = keys with an unresolved error, conflicts = keys with only unresolved conflicts,
 * resolved = keys a person accepted, copied = what was scanned and is none of these (nor
 * skipped or expired). Returns the unresolved error keys left. Run in one transaction
 * with the change to the error keys; never while a run holds the checkpoint.
 */
export async function recount(tx: PrismaDb, jobId: string): Promise<number> {
  const [job] = await tx.$queryRawUnsafe<{ checkpoint: Checkpoint | null }[]>(`SELECT "checkpoint" FROM "copy_jobs" WHERE "id" = $1::uuid FOR UPDATE`, jobId);
  const byDb = await tx.$queryRawUnsafe<{ db: number; errors: number; conflicts: number; resolved: number }[]>(
    `SELECT "db", count(*) FILTER (WHERE "open_error")::int AS "errors",
            count(*) FILTER (WHERE "open_conflict" AND NOT "open_error")::int AS "conflicts",
            count(*) FILTER (WHERE "accepted" AND NOT "open_error" AND NOT "open_conflict")::int AS "resolved"
       FROM (SELECT "db", "key",
                    bool_or(NOT "resolved" AND "error_class" NOT IN (${CONFLICTS_SQL})) AS "open_error",
                    bool_or(NOT "resolved" AND "error_class" IN (${CONFLICTS_SQL})) AS "open_conflict",
                    bool_or("resolution" = 'accepted') AS "accepted"
               FROM "copy_job_error_keys" WHERE "job_id" = $1::uuid GROUP BY "db", "key") AS "k"
      GROUP BY "db"`,
    jobId,
  );
  const [{ open }] = await tx.$queryRawUnsafe<{ open: number }[]>(`SELECT count(*)::int AS "open" FROM "copy_job_error_keys" WHERE "job_id" = $1::uuid AND NOT "resolved"`, jobId);
  const cp = job?.checkpoint;
  if (!cp) return open;
  const found = new Map(byDb.map((r) => [Number(r.db), r]));
  for (const [db, d] of Object.entries(cp.dbs)) {
    const r = found.get(Number(db));
    d.errors = r?.errors ?? 0;
    d.conflicts = r?.conflicts ?? 0;
    d.resolved = r?.resolved ?? 0;
    d.copied = Math.max(0, d.scanned - d.skipped - d.expired - d.errors - d.conflicts - d.resolved);
  }
  await tx.copyJob.update({ where: { id: jobId }, data: { checkpoint: cp as never, ...countColumns(countsOf(cp)) } });
  return open;
}

export class DbCopyStore implements CopyStore {
  /** Each db's `rescans` as last stored: a higher one in a checkpoint starts a new pass. */
  private readonly passes = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly jobId: string,
    /** The driver directly, for the checkpoint saves of a running copy (a few a second): Prisma's per-query work costs more than the write. */
    private readonly sql?: SqlExecutor,
  ) {}

  async loadCheckpoint(): Promise<Checkpoint | undefined> {
    const row = await this.prisma.copyJob.findUnique({ where: { id: this.jobId }, select: { checkpoint: true } });
    const cp = (row?.checkpoint as Checkpoint | null) ?? undefined;
    for (const [db, d] of Object.entries(cp?.dbs ?? {})) this.passes.set(db, d.rescans ?? 0);
    return cp;
  }

  async saveCheckpoint(cp: Checkpoint): Promise<void> {
    await this.commitBatch(cp, []);
  }

  async recordErrorKeys(rows: ErrorKeyRecord[]): Promise<void> {
    if (rows.length) await upsertErrorKeys(this.prisma, this.jobId, rows);
  }

  /** Error keys and checkpoint in one transaction: a crash never keeps one without the other. */
  async commitBatch(cp: Checkpoint, rows: ErrorKeyRecord[]): Promise<void> {
    const newPass = Object.entries(cp.dbs).filter(([db, d]) => (d.rescans ?? 0) > (this.passes.get(db) ?? 0));
    if (rows.length === 0 && newPass.length === 0) return this.sql ? this.writeCheckpointSql(this.sql, cp) : this.writeCheckpoint(this.prisma, cp);
    await this.prisma.$transaction(async (tx) => {
      for (const [db, d] of newPass) {
        await tx.$executeRawUnsafe(
          `UPDATE "copy_job_error_keys" SET "resolved" = true, "resolution" = 'superseded', "resolved_at" = COALESCE("resolved_at", CURRENT_TIMESTAMP),
                  "resolution_note" = COALESCE("resolution_note", $3::text)
            WHERE "job_id" = $1::uuid AND "db" = $2::int AND "resolution" IS DISTINCT FROM 'superseded'`,
          this.jobId,
          Number(db),
          `db ${db} was copied again from the start (pass ${(d.rescans ?? 0) + 1})`,
        );
      }
      if (rows.length) await upsertErrorKeys(tx, this.jobId, rows);
      await this.writeCheckpoint(tx as unknown as PrismaClient, cp);
    });
    for (const [db, d] of newPass) this.passes.set(db, d.rescans ?? 0);
  }

  private async writeCheckpointSql(sql: SqlExecutor, cp: Checkpoint): Promise<void> {
    const c = countsOf(cp);
    await sql.query(
      `UPDATE "copy_jobs" SET "checkpoint" = $2::jsonb, "scanned" = $3::bigint, "copied" = $4::bigint, "skipped" = $5::bigint, "expired" = $6::bigint,
              "conflicts" = $7::bigint, "errors" = $8::bigint, "bytes" = $9::bigint, "resolved" = $10::bigint, "updated_at" = CURRENT_TIMESTAMP
        WHERE "id" = $1::uuid`,
      [this.jobId, JSON.stringify(cp), c.scanned, c.copied, c.skipped, c.expired, c.conflicts, c.errors, c.bytes, c.resolved],
    );
  }

  private async writeCheckpoint(client: PrismaClient, cp: Checkpoint): Promise<void> {
    await client.copyJob.update({ where: { id: this.jobId }, data: { checkpoint: cp as never, ...countColumns(countsOf(cp)) } });
  }
}
