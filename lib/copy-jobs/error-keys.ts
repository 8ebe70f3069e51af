/**
 * The keys that failed to copy: pages with filters, counts by class, streamed exports,
 * retry (re-copy, page by page) and resolve (mark handled, with a note).
 */
import type { ErrorKeyRecord } from '../copy/types';
import type { Actor } from '../auth/roles';
import { conflict } from '../errors';
import { exportStream, type ExportFormat } from './export';
import { toBuffer } from './keys';
import { buildSpec, forTarget } from './spec';
import { coordinate, targetsRefilled } from './live-path';
import { isActive } from './state';
import { recount, upsertErrorKeys } from './store';
import type { JobTransitions } from './transitions';
import { groupBy, jobRow, PAGE, type CopyJobResources, type JobRow } from './resources';
import { formatCount } from './words';
import type { CopyJobOptions, ErrorKeyQuery, ResolveErrorKeysInput, RetryErrorKeysInput } from './schema';
import { errorKeyItem, type ErrorKeyCounts, type ErrorKeyDbRow, type ErrorKeyItem } from './views';

type PageFilter = Omit<ErrorKeyQuery, 'limit' | 'format'> & Partial<Pick<ErrorKeyQuery, 'limit' | 'format'>>;

export class ErrorKeys {
  constructor(
    private readonly res: CopyJobResources,
    private readonly transitions: JobTransitions,
  ) {}

  async list(id: string, q: ErrorKeyQuery): Promise<{ items: ErrorKeyItem[]; counts_by_class: Record<string, number>; next_cursor: string | null }> {
    const row = await jobRow(this.res.prisma, id);
    const rows = await this.page(id, q, q.cursor ? BigInt(q.cursor) : 0n, q.limit + 1);
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map((r) => errorKeyItem(r, row.targets));
    const counts = (await this.counts([id])).get(id);
    return { items, counts_by_class: counts?.by_class ?? {}, next_cursor: more ? items[items.length - 1]!.id : null };
  }

  /** A streamed CSV or JSONL export (keyset pagination: memory stays bounded for any size). */
  async export(id: string, q: ErrorKeyQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    const row = await jobRow(this.res.prisma, id);
    return exportStream({
      format,
      columns: ['id', 'origin', 'target', 'target_endpoint', 'db', 'key', 'key_encoding', 'type', 'size', 'error_class', 'message', 'retryable', 'attempts', 'first_seen', 'last_seen', 'resolved', 'resolved_at', 'resolution_note'],
      page: async (after) => {
        const rows = await this.page(id, { ...q, cursor: undefined }, after, PAGE * 2);
        return { rows: rows.map((r) => errorKeyItem(r, row.targets)), last: rows.length ? BigInt(rows[rows.length - 1]!.id) : after };
      },
    });
  }

  /**
   * Re-copies the unresolved error keys that match (all of them when no filter is given),
   * page by page: copied keys are marked resolved, the others get attempts + 1 and the new
   * error. Runs in the request; the work is bounded by the job's error keys. The job's
   * counts follow (copied up, errors down), and a job completed with errors becomes
   * completed once none is left.
   */
  async retry(actor: Actor, id: string, input: RetryErrorKeysInput): Promise<{ attempted: number; copied: number; failed: number; remaining: Record<string, number> }> {
    const { prisma, engine } = this.res;
    const row = finishedOnly(await jobRow(prisma, id), 'Retry its error keys');
    const spec = await buildSpec(this.res.endpoints, row.spec as CopyJobOptions);
    const q: ErrorKeyQuery = { class: input.class, db: input.db, resolved: false, limit: PAGE, format: 'json' };
    let after = 0n;
    let attempted = 0;
    let copied = 0;
    let failed = 0;
    for (;;) {
      const rows = await this.page(id, q, after, PAGE, input.ids);
      if (rows.length === 0) break;
      after = BigInt(rows[rows.length - 1]!.id);
      attempted += rows.length;
      for (const [target, group] of groupBy(rows, (r) => r.target)) {
        let failures: ErrorKeyRecord[];
        try {
          // Coordinated with an interlay mirroring there, as the job's run was.
          const { coordination } = coordinate(this.res.livePath, row.source, [row.targets[target]!]);
          const res = await engine.retryErrorKeys(forTarget(spec, target), group.map((r) => ({ key: toBuffer(r.key), db: r.db })), { log: this.res.log.child({ job: id, retry: true }), coordination });
          failures = res.failed.map((f) => ({ ...f, target }));
        } catch (e) {
          failures = group.map((r) => ({ key: toBuffer(r.key), db: r.db, target, errorClass: 'connection', message: (e as Error).message, retryable: true }));
        }
        const failedKeys = new Set(failures.map((f) => `${f.db}:${f.key.toString('hex')}`));
        const ok = group.filter((r) => !failedKeys.has(`${r.db}:${toBuffer(r.key).toString('hex')}`));
        if (ok.length) {
          await prisma.copyJobErrorKey.updateMany({
            where: { id: { in: ok.map((r) => BigInt(r.id)) } },
            data: { resolved: true, resolution: 'copied', resolvedAt: new Date(), resolutionNote: `copied on retry by ${actor.username}`, attempts: { increment: 1 }, lastSeen: new Date() },
          });
        }
        if (failures.length) await upsertErrorKeys(prisma, id, failures);
        copied += ok.length;
        failed += failures.length;
      }
    }
    await this.res.audit.record(actor, { action: 'copy_job.retry_error_keys', objectType: 'copy_job', objectId: id, details: { filter: { class: input.class, db: input.db, ids: input.ids?.length }, attempted, copied, failed } });
    const cleared = await this.settleCounts(actor, id, `the last ${formatCount(copied)} were copied on retry by ${actor.username}`);
    // The job's run was coordinated with the live path: with its last error keys copied, its targets are whole.
    if (cleared && row.coordinatedWith.length > 0) targetsRefilled(this.res.livePath, row.source, coordinate(this.res.livePath, row.source, row.targets).targets);
    this.res.notifier.changed({ kind: 'copy-job', id });
    const counts = (await this.counts([id])).get(id);
    return { attempted, copied, failed, remaining: counts?.by_class ?? {} };
  }

  /** Marks error keys handled without a copy (a person's decision, with a note); counts follow as in retry. */
  async resolve(actor: Actor, id: string, input: ResolveErrorKeysInput): Promise<{ resolved: number }> {
    finishedOnly(await jobRow(this.res.prisma, id), 'Resolve its error keys');
    const r = await this.res.prisma.copyJobErrorKey.updateMany({
      where: {
        jobId: id,
        resolved: false,
        ...(input.ids ? { id: { in: input.ids.map((x) => BigInt(x)) } } : {}),
        ...(input.class ? { errorClass: input.class } : {}),
        ...(input.db !== undefined ? { db: input.db } : {}),
      },
      data: { resolved: true, resolution: 'accepted', resolvedAt: new Date(), resolutionNote: input.note },
    });
    await this.res.audit.record(actor, { action: 'copy_job.resolve_error_keys', objectType: 'copy_job', objectId: id, details: { count: r.count, class: input.class, db: input.db, note: input.note } });
    await this.settleCounts(actor, id, `the last ${formatCount(r.count)} were resolved by ${actor.username}: ${input.note}`);
    this.res.notifier.changed({ kind: 'copy-job', id });
    return { resolved: r.count };
  }

  /**
   * After error keys changed: the job's counts are recounted from them, and a job completed
   * with errors whose last one went is completed (`how` says how, for the history); true then.
   */
  async settleCounts(actor: Actor, id: string, how: string): Promise<boolean> {
    const open = await this.res.prisma.$transaction((tx) => recount(tx, id));
    if (open > 0) return false;
    const row = await jobRow(this.res.prisma, id);
    if (row.status !== 'completed_with_errors') return false;
    await this.transitions.apply(id, 'errors_cleared', actor, `every error key is resolved; ${how}`);
    return true;
  }

  /** Error key counts of several jobs at once (the list page). */
  async counts(ids: string[]): Promise<Map<string, ErrorKeyCounts>> {
    const out = new Map<string, ErrorKeyCounts>();
    if (ids.length === 0) return out;
    const groups = await this.res.prisma.copyJobErrorKey.groupBy({ by: ['jobId', 'errorClass', 'resolved'], where: { jobId: { in: ids } }, _count: { _all: true } });
    for (const g of groups) {
      const job = g.jobId!; // filtered on job ids: never a mirror row
      const c = out.get(job) ?? { total: 0, unresolved: 0, resolved: 0, by_class: {} };
      const n = g._count._all;
      c.total += n;
      if (g.resolved) c.resolved += n;
      else {
        c.unresolved += n;
        c.by_class[g.errorClass] = (c.by_class[g.errorClass] ?? 0) + n;
      }
      out.set(job, c);
    }
    return out;
  }

  /** One keyset page of a job's error keys (ids above `after`), filtered. */
  page(id: string, q: PageFilter, after: bigint, limit: number, ids?: string[]): Promise<ErrorKeyDbRow[]> {
    return errorKeyPage(this.res, { job: id }, q, after, limit, ids);
  }
}

/** Whose error keys: a copy job's (origin `copy`) or an interlay's mirror (origin `mirror`). */
export type ErrorKeyScope = { job: string } | { interlay: string };

/** One keyset page of a scope's error keys (ids above `after`), filtered. */
export async function errorKeyPage(res: CopyJobResources, scope: ErrorKeyScope, q: PageFilter, after: bigint, limit: number, ids?: string[]): Promise<ErrorKeyDbRow[]> {
  const conds = ['job' in scope ? '"job_id" = $1::uuid' : '"interlay_id" = $1::text', '"id" > $2::bigint'];
  const params: unknown[] = ['job' in scope ? scope.job : scope.interlay, after.toString()];
  const add = (sql: (p: string) => string, v: unknown) => {
    params.push(v);
    conds.push(sql(`$${params.length}`));
  };
  if (q.class) add((p) => `"error_class" = ${p}`, q.class);
  if (q.db !== undefined) add((p) => `"db" = ${p}::int`, q.db);
  if (q.target !== undefined) add((p) => `"target" = ${p}::int`, q.target);
  if (q.resolved !== undefined) add((p) => `"resolved" = ${p}::boolean`, q.resolved);
  if (q.search) add((p) => `position(${p}::bytea in "key") > 0`, Buffer.from(q.search, 'utf8'));
  if (ids?.length) {
    const start = params.length;
    params.push(...ids);
    conds.push(`"id" IN (${ids.map((_, i) => `$${start + i + 1}::bigint`).join(', ')})`);
  }
  params.push(limit);
  const text = `SELECT "id"::text AS "id", "origin", "side", "target", "db", "key", "type", "size"::float8 AS "size", "error_class", "message", "retryable", "attempts",
            "first_seen", "last_seen", "resolved", "resolved_at", "resolution_note"
       FROM "copy_job_error_keys" WHERE ${conds.join(' AND ')} ORDER BY "copy_job_error_keys"."id" LIMIT $${params.length}::int`;
  // The driver directly when we have it: Prisma's raw results cost ~10x more per row.
  if (res.sql) return res.sql.query<ErrorKeyDbRow>(text, params);
  return res.prisma.$queryRawUnsafe<ErrorKeyDbRow[]>(text, ...params);
}

/**
 * Retry and resolve act on a job whose run is over: while it runs (or is paused mid-run)
 * its checkpoint and error keys are still the engine's, and counts changed under it would
 * be overwritten by its next commit.
 */
export function finishedOnly(row: JobRow, action: string): JobRow {
  if (isActive(row.status)) {
    throw conflict(`Copy job ${row.id} is ${row.status}: its error keys and counts still change. ${action} once it has finished, failed or been cancelled.`, { status: row.status });
  }
  return row;
}
