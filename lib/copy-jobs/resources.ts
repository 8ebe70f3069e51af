/**
 * What every part of the copy jobs host shares (STYLE.md point 4: one resources object):
 * the database, the endpoints that resolve connection settings, audit, the notifier, the
 * logger and the engine entry points (injectable so tests can stub them).
 */
import type { CopyCoordination, CopyProgress, CopyRunOptions, CopySpec, CopyStore, ErrorKeyRecord, Mismatch, RateLimit, RecoveryNotice, RepairResult, VerificationResult, VerifyOptions } from '../copy/types';
import { CopyRun, repair, repairScope, retryErrorKeys, verify, type ScopeRepair } from '../copy';
import type { AuditService } from '../audit/service';
import type { PrismaClient } from '../db';
import type { SqlExecutor } from '../db/migrate';
import type { EndpointService } from '../endpoints/service';
import type { Notifier } from '../events';
import type { Logger } from '../logger';
import { notFound } from '../errors';

/** The one notifier interface (lib/events.ts), under the name this module exports. */
export type NotifierLike = Notifier;

/** What the host uses of a CopyRun (lib/copy). */
export interface CopyRunLike {
  run(): Promise<CopyProgress>;
  pause(): void;
  resume(): void;
  cancel(): void;
  setRateLimit(r: RateLimit): void;
  progress(): CopyProgress;
  on(event: 'progress', listener: (p: CopyProgress) => void): unknown;
  on(event: 'recovery', listener: (r: RecoveryNotice) => void): unknown;
}

/** The engine entry points (lib/copy), injectable so tests can stub them. */
export interface CopyEngine {
  CopyRun: new (spec: CopySpec, store: CopyStore, opts: CopyRunOptions) => CopyRunLike;
  retryErrorKeys(spec: CopySpec, keys: { key: Buffer; db: number }[], opts: { log: Logger; coordination?: CopyCoordination }): Promise<{ copied: number; failed: ErrorKeyRecord[] }>;
  verify(spec: CopySpec, opts: VerifyOptions): Promise<VerificationResult>;
  repair(spec: CopySpec, mismatches: Mismatch[], opts?: { log?: Logger; coordination?: CopyCoordination }): Promise<RepairResult>;
  repairScope(spec: CopySpec, opts: { ttlToleranceMs?: number; log?: Logger; onChunk?: (found: Mismatch[], r: RepairResult) => Promise<void>; coordination?: CopyCoordination }): Promise<ScopeRepair>;
}

export const COPY_ENGINE: CopyEngine = { CopyRun, retryErrorKeys, verify, repair, repairScope };

/**
 * The live path (interlays mirroring a job's source to its targets). The interlay service
 * is built after this one, so the console hands in functions that look it up when called.
 */
export interface LivePath {
  /** The coordination of a running interlay that mirrors `source` to `target`, with its id; null when none does. */
  coordination(source: string, target: string): { interlay: string; coordination: CopyCoordination } | null;
  /** A copy from `source` to `target` completed with every key copied: interlays mirroring there trust the target again. */
  completed(source: string, target: string): void;
  /** The coordination of one running interlay (mirror error retries sync inside its copy windows); null when it is not running. */
  coordinationOf(interlay: string): CopyCoordination | null;
}

export interface CopyJobServiceDeps {
  prisma: PrismaClient;
  /** Raw SQL on the same database, for the error key pages (exports read millions of rows). */
  sql?: SqlExecutor;
  endpoints: Pick<EndpointService, 'settings' | 'registerUsage'>;
  audit: AuditService;
  notifier: NotifierLike;
  log: Logger;
  engine?: CopyEngine;
  /** Minimum ms between progress ticks to a job's room (default 1000). */
  progressIntervalMs?: number;
  /** Absent: runs are never coordinated with a live mirror (tests of the copy alone). */
  livePath?: LivePath;
}

/** The deps with the engine resolved: what each part of the host is built with. */
export type CopyJobResources = Omit<CopyJobServiceDeps, 'engine' | 'progressIntervalMs'> & { engine: CopyEngine };

export type JobRow = NonNullable<Awaited<ReturnType<PrismaClient['copyJob']['findUnique']>>>;
export type VerificationRow = NonNullable<Awaited<ReturnType<PrismaClient['copyJobVerification']['findUnique']>>>;

/** Error keys fetched per page when retrying, exporting or streaming. */
export const PAGE = 1000;

export async function jobRow(prisma: PrismaClient, id: string): Promise<JobRow> {
  const row = await prisma.copyJob.findUnique({ where: { id } });
  if (!row) throw notFound('Copy job', id);
  return row;
}

export async function verificationRow(prisma: PrismaClient, id: string, vid: string): Promise<VerificationRow> {
  const v = await prisma.copyJobVerification.findUnique({ where: { id: vid } });
  if (!v || v.jobId !== id) throw notFound('Verification', vid);
  return v;
}

export function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}
