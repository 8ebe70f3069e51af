/**
 * Mirror errors in the error-key store: the keys an interlay's mirror failed or diverged on
 * (lib/interlay/mirror.ts MirrorError), one row per (interlay, side, db, key) with origin
 * `mirror` in `copy_job_error_keys` (job_id null, interlay_id set). They are listed,
 * exported and retried like a copy job's error keys; retry re-syncs each key from the
 * interlay's primary by state (DUMP/RESTORE REPLACE, or DEL when the primary no longer has
 * it) inside the interlay's copy window, so a write mirrored meanwhile is synced after.
 *
 * Recording is on the interlay's hot path's side: rows are gathered in memory per key
 * (occurrences counted) and written at most every `flushMs` in one upsert per chunk, so an
 * outage that fails thousands of writes a second costs a few statements a second. A key
 * failing again counts an attempt on its row (reopened if it was resolved): the table
 * stays one row per key whatever the outage's length.
 */
import { withDefaults, type CopySpec, type Mismatch, type RedisTarget } from '../copy/types';
import type { Actor } from '../auth/roles';
import { AppError, notFound } from '../errors';
import type { MirrorError } from '../interlay/mirror';
import { storedRouting } from '../interlays/routing';
import type { StoredRouting } from '../interlays/schema';
import { primaryOf } from '../migration/stages';
import { errorKeyPage } from './error-keys';
import { exportStream, type ExportFormat } from './export';
import { toBuffer } from './keys';
import { groupBy, PAGE, type CopyJobResources } from './resources';
import { REOPEN } from './store';
import type { ErrorKeyQuery, RetryErrorKeysInput } from './schema';
import { errorKeyItem, type ErrorKeyItem } from './views';

/** Distinct keys gathered before a flush is started at once (instead of at the next tick). */
const FLUSH_AT = 5000;
const UPSERT_CHUNK = 500;

interface Gathered {
  interlay: string;
  side: string;
  db: number;
  key: Buffer;
  errorClass: string;
  message: string;
  count: number;
}

export const MIRROR_ERROR_CLASSES = { failed: 'mirror_failed', diverged: 'mirror_diverged', overflow: 'mirror_overflow', restarted: 'mirror_failed' } as const;

export class MirrorErrorKeys {
  private gathered = new Map<string, Gathered>();
  private timer: NodeJS.Timeout | undefined;
  /** Callers waiting for what is gathered now to be stored. */
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | undefined;
  /** Writes run one at a time, in order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly res: CopyJobResources,
    private readonly flushMs = 250,
  ) {}

  /**
   * The interlay service's sink: gathers the keys, resolves once they are stored (rejects
   * when the write failed; the caller logs it). A restart notice names no key: it shows in
   * the interlay's metrics (`lost_data`) and calls for a copy job, not a key retry.
   */
  record(interlay: string, e: MirrorError): Promise<void> {
    if (e.keys.length === 0) return Promise.resolve();
    const errorClass = MIRROR_ERROR_CLASSES[e.kind];
    const message = `${e.command}: ${e.reason}`.slice(0, 2000);
    for (const key of e.keys) {
      const id = `${interlay}\0${e.link}\0${e.db}\0${key.toString('latin1')}`;
      const g = this.gathered.get(id);
      if (g) {
        g.count++;
        g.errorClass = errorClass;
        g.message = message;
      } else this.gathered.set(id, { interlay, side: e.link, db: e.db, key: Buffer.from(key), errorClass, message, count: 1 });
    }
    return this.schedule(this.gathered.size >= FLUSH_AT ? 0 : this.flushMs);
  }

  /** Writes whatever is gathered now (tests, shutdown). */
  flush(): Promise<void> {
    return this.schedule(0);
  }

  private schedule(delayMs: number): Promise<void> {
    if (!this.waiting) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.waiting = { promise, resolve, reject };
    }
    const { promise } = this.waiting;
    if (delayMs === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.startWrite();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startWrite();
      }, delayMs);
      this.timer.unref?.();
    }
    return promise;
  }

  private startWrite(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    const rows = [...this.gathered.values()];
    this.gathered = new Map();
    this.writing = this.writing.catch(() => undefined).then(() => this.write(rows));
    if (waiting) this.writing.then(waiting.resolve, waiting.reject);
  }

  private async write(rows: Gathered[]): Promise<void> {
    for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
      const chunk = rows.slice(i, i + UPSERT_CHUNK);
      const params: unknown[] = [];
      const values = chunk.map((r) => {
        const base = params.length;
        params.push(r.interlay, r.side, r.db, r.key, r.errorClass, r.message, r.count);
        const p = (n: number) => `$${base + n}`;
        return `(${p(1)}::text, ${p(2)}::text, ${p(3)}::int, ${p(4)}::bytea, ${p(5)}::text, ${p(6)}::text, ${p(7)}::int)`;
      });
      // An interlay deleted meanwhile takes its rows with it (and gets none after).
      await this.res.prisma.$executeRawUnsafe(
        `INSERT INTO "copy_job_error_keys" ("origin", "interlay_id", "side", "target", "db", "key", "error_class", "message", "retryable", "attempts")
         SELECT 'mirror', v."i", v."s", 0, v."d", v."k", v."c", v."m", true, v."n"
           FROM (VALUES ${values.join(', ')}) AS v("i", "s", "d", "k", "c", "m", "n")
          WHERE EXISTS (SELECT 1 FROM "interlays" WHERE "interlays"."id" = v."i")
         ON CONFLICT ("interlay_id", "side", "db", "key") WHERE "interlay_id" IS NOT NULL DO UPDATE SET
           "attempts" = "copy_job_error_keys"."attempts" + EXCLUDED."attempts",
           "last_seen" = CURRENT_TIMESTAMP,
           "error_class" = EXCLUDED."error_class",
           "message" = EXCLUDED."message",
           ${REOPEN}`,
        ...params,
      );
    }
  }

  // ---- the API ----

  async list(interlay: string, q: ErrorKeyQuery): Promise<{ items: ErrorKeyItem[]; counts_by_class: Record<string, number>; next_cursor: string | null }> {
    await this.interlay(interlay);
    const rows = await errorKeyPage(this.res, { interlay }, q, q.cursor ? BigInt(q.cursor) : 0n, q.limit + 1);
    const more = rows.length > q.limit;
    const items = rows.slice(0, q.limit).map((r) => errorKeyItem(r, []));
    return { items, counts_by_class: await this.countsByClass(interlay), next_cursor: more ? items[items.length - 1]!.id : null };
  }

  async export(interlay: string, q: ErrorKeyQuery, format: ExportFormat): Promise<ReadableStream<Uint8Array>> {
    await this.interlay(interlay);
    return exportStream({
      format,
      columns: ['id', 'origin', 'side', 'db', 'key', 'key_encoding', 'error_class', 'message', 'retryable', 'attempts', 'first_seen', 'last_seen', 'resolved', 'resolved_at', 'resolution_note'],
      page: async (after) => {
        const rows = await errorKeyPage(this.res, { interlay }, { ...q, cursor: undefined }, after, PAGE * 2);
        return { rows: rows.map((r) => errorKeyItem(r, [])), last: rows.length ? BigInt(rows[rows.length - 1]!.id) : after };
      },
    });
  }

  /**
   * Re-syncs the unresolved mirror error keys that match (all without a filter) from the
   * interlay's primary (the side its stage serves from) to the side each failed on, page by
   * page, inside the running interlay's copy windows. Synced keys are resolved; the others
   * count an attempt and keep the new error.
   */
  async retry(actor: Actor, interlay: string, input: RetryErrorKeysInput): Promise<{ attempted: number; copied: number; failed: number; remaining: Record<string, number> }> {
    const row = await this.interlay(interlay);
    const routing = storedRouting(row.routing);
    const primary = primaryOf(routing.stage) === 'target' && routing.target ? routing.target : row.endpoint;
    const source = await this.primaryConn(primary);
    const coordination = this.res.livePath?.coordinationOf(interlay) ?? undefined;
    const q: ErrorKeyQuery = { class: input.class, db: input.db, resolved: false, limit: PAGE, format: 'json' };
    const out = { attempted: 0, copied: 0, failed: 0 };
    let after = 0n;
    for (;;) {
      const rows = await errorKeyPage(this.res, { interlay }, q, after, PAGE, input.ids);
      if (rows.length === 0) break;
      after = BigInt(rows[rows.length - 1]!.id);
      out.attempted += rows.length;
      const ok: bigint[] = [];
      const failed = new Map<bigint, string>();
      // Each row goes to the side it failed on; a `sync` failure to every side but the primary.
      const plan = rows.flatMap((r) => sidesOf(r.side ?? 'sync', row.endpoint, routing, primary).map((dest) => ({ r, dest })));
      for (const r of rows) if (sidesOf(r.side ?? 'sync', row.endpoint, routing, primary).length === 0) failed.set(BigInt(r.id), `the ${r.side} side is not written in stage ${routing.stage}; nothing to sync to`);
      for (const [dest, group] of groupBy(plan, (p) => p.dest)) {
        const mismatches: Mismatch[] = group.map(({ r }) => ({ key: toBuffer(r.key), db: Number(r.db), target: 0, kind: 'value_mismatch', detail: 'mirror error' }));
        let why = new Map<string, string>();
        try {
          const spec: CopySpec = withDefaults({ source, targets: [await this.primaryConn(dest)], conflictPolicy: 'Replace' });
          const res = await this.res.engine.repair(spec, mismatches, { log: this.res.log.child({ interlay, retry: true }), coordination });
          why = new Map(res.failed.map((f) => [`${f.db}:${f.key.toString('hex')}`, `${f.errorClass}: ${f.message}`]));
        } catch (e) {
          for (const { r } of group) why.set(`${r.db}:${toBuffer(r.key).toString('hex')}`, `connection: ${(e as Error).message}`);
        }
        for (const { r } of group) {
          const reason = why.get(`${r.db}:${toBuffer(r.key).toString('hex')}`);
          if (reason) failed.set(BigInt(r.id), reason);
        }
      }
      for (const r of rows) if (!failed.has(BigInt(r.id))) ok.push(BigInt(r.id));
      if (ok.length) {
        await this.res.prisma.copyJobErrorKey.updateMany({
          where: { id: { in: ok } },
          data: { resolved: true, resolution: 'copied', resolvedAt: new Date(), resolutionNote: `synced from ${primary} on retry by ${actor.username}`, attempts: { increment: 1 }, lastSeen: new Date() },
        });
      }
      for (const [id, message] of failed) {
        await this.res.prisma.copyJobErrorKey.update({ where: { id }, data: { message: message.slice(0, 2000), attempts: { increment: 1 }, lastSeen: new Date() } });
      }
      out.copied += ok.length;
      out.failed += failed.size;
    }
    await this.res.audit.record(actor, { action: 'interlay.retry_error_keys', objectType: 'interlay', objectId: interlay, details: { filter: { class: input.class, db: input.db, ids: input.ids?.length }, ...out } });
    this.res.notifier.changed({ kind: 'interlay', id: interlay });
    return { ...out, remaining: await this.countsByClass(interlay) };
  }

  private async countsByClass(interlay: string): Promise<Record<string, number>> {
    const groups = await this.res.prisma.copyJobErrorKey.groupBy({ by: ['errorClass'], where: { interlayId: interlay, resolved: false }, _count: { _all: true } });
    return Object.fromEntries(groups.map((g) => [g.errorClass, g._count._all]));
  }

  private async interlay(id: string): Promise<{ endpoint: string; routing: unknown }> {
    const row = await this.res.prisma.interlay.findUnique({ where: { id }, select: { endpoint: true, routing: true } });
    if (!row) throw notFound('Interlay', id);
    return row;
  }

  /** An endpoint's primary (write) connection: syncs read from and write to primaries, never a replica. */
  private async primaryConn(endpoint: string): Promise<RedisTarget> {
    const w = (await this.res.endpoints.settings(endpoint)).roles.write;
    if (!w) throw new AppError('CONFLICT', `Endpoint "${endpoint}" has no primary (write) connection`);
    const { role: _role, ...conn } = w;
    return conn as RedisTarget;
  }
}

/** The endpoints a mirror error on `side` is synced to: that side's endpoint, or every written side but the primary for `sync`. */
function sidesOf(side: string, source: string, r: StoredRouting, primary: string): string[] {
  const written = [...(r.stage === 'target' ? [] : [source]), ...(r.target ? [r.target] : []), ...r.mirrors];
  const named = side === 'sync' ? written : [side === 'source' ? source : side === 'target' ? r.target : side].filter((x): x is string => x !== null && written.includes(x));
  return named.filter((e) => e !== primary);
}
