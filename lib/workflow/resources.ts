/**
 * What every part of the workflow shares (STYLE.md point 4: one resources object): the
 * database, audit, the notifier, the logger, and the services a run drives: compatibility
 * reports (prepare), copy jobs (bulk copy, verification, error keys) and interlays
 * (routing, metrics). Narrowed to the methods used, so a reader sees the seams.
 */
import type { AuditService } from '../audit/service';
import type { CompatService } from '../compat/service';
import type { CopyJobService } from '../copy-jobs/service';
import type { PrismaClient } from '../db';
import type { EndpointService } from '../endpoints/service';
import { notFound } from '../errors';
import type { Notifier } from '../events';
import type { InterlayService } from '../interlays/service';
import type { Logger } from '../logger';
import type { MigrationSetup } from './schema';
import type { RunState } from './state';

export interface WorkflowDeps {
  prisma: PrismaClient;
  audit: Pick<AuditService, 'record'>;
  notifier: Notifier;
  log: Logger;
  endpoints: Pick<EndpointService, 'get' | 'settings' | 'registerUsage'>;
  compat: Pick<CompatService, 'create' | 'get' | 'rerun' | 'acknowledge'>;
  copyJobs: Pick<CopyJobService, 'create' | 'get' | 'pause' | 'resume' | 'cancel' | 'verify' | 'getVerification' | 'listErrorKeys' | 'exportErrorKeys' | 'retryErrorKeys'>;
  interlays: Pick<InterlayService, 'get' | 'getRouting' | 'setRouting' | 'metrics' | 'registerUsage'>;
  /** How often the host looks at runs with work in progress (default 500 ms). */
  tickMs?: number;
  /** How long a rollback waits for the mirror to drain before verifying (default 30 s). */
  drainTimeoutMs?: number;
}

export type WorkflowResources = Omit<WorkflowDeps, 'tickMs' | 'drainTimeoutMs'> & { drainTimeoutMs: number };

export type RunRow = NonNullable<Awaited<ReturnType<PrismaClient['migrationRun']['findUnique']>>>;

export async function runRow(prisma: PrismaClient, id: string): Promise<RunRow> {
  const row = await prisma.migrationRun.findUnique({ where: { id } });
  if (!row) throw notFound('Migration', id);
  return row;
}

export function setupOf(row: RunRow): MigrationSetup | null {
  return (row.setup as MigrationSetup | null) ?? null;
}

export function stateOf(row: RunRow): RunState {
  return row.state as RunState;
}

export { delay } from '../copy-jobs/resources';
