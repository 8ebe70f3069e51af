/**
 * Compatibility reports: create (runs asynchronously), list/get, acknowledge findings,
 * re-run in place, export. A run gathers the shared resources once, runs every check,
 * analyses keyspace and workload, optionally test-copies a sample, and writes the findings
 * in one transaction.
 *
 * Re-runs keep acknowledgements: a finding keeps its acknowledgement when its check id and
 * severity are unchanged (the approver accepted that kind of risk); a changed severity
 * clears it, since what was acknowledged is no longer what is reported.
 *
 * A report whose run was cut off by a restart is marked failed at start-up.
 */
import type { Actor } from '../auth/roles';
import type { AuditService } from '../audit/service';
import type { PrismaClient } from '../db';
import type { EndpointSettings } from '../endpoints/service';
import { AppError, conflict, notFound } from '../errors';
import type { CompatProgressTick, Notifier } from '../events';
import type { Logger } from '../logger';
import { analyzeKeyspace, analyzeWorkload, type Analysis } from './analysis';
import { CHECKS } from './checks';
import { closeResources, gatherResources } from './resources';
import type { CreateReportInput } from './schema';
import { engineCopier } from './engine-copier';
import { runTestRun, testRunFinding, type SampleCopier, type TestRunResult } from './test-run';
import { SEVERITIES, type CheckResult, type InterlayFacts, type Resources, type RunOptions, type Severity } from './types';

export type ReportStatus = 'running' | 'completed' | 'failed';

export interface FindingView {
  check: string;
  severity: Severity;
  title: string;
  evidence: Record<string, unknown>;
  remediation: string;
  acknowledged: { by: string; at: string; notes: string } | null;
}

export interface ReportSummary {
  blocking: number;
  warning: number;
  info: number;
  pass: number;
  unacknowledged_warnings: number;
  approvable: boolean;
}

export interface ReportView {
  id: string;
  source: string;
  target: string;
  mirror_targets: string[];
  interlay: string | null;
  options: { conflict_policy: string; fallback: string; big_key_threshold_mb: number; test_run: { sample_keys: number; match?: string } | null };
  status: ReportStatus;
  error: string | null;
  run_number: number;
  created_by: string;
  created_at: string;
  started_at: string;
  finished_at: string | null;
  summary: ReportSummary;
  findings: FindingView[];
  analysis: Analysis | Record<string, never>;
  test_run: TestRunResult | null;
}

export interface ReportListItem extends Omit<ReportView, 'findings' | 'analysis' | 'test_run'> {}


/** What the service needs of the interlay service: its view (address, metrics). */
export interface InterlayLookup {
  describe(id: string): Promise<Omit<InterlayFacts, 'name'>>;
}

export interface CompatServiceOptions {
  prisma: PrismaClient;
  endpoints: { settings(name: string): Promise<EndpointSettings>; get(name: string): Promise<unknown> };
  audit: AuditService;
  notifier: Notifier;
  log: Logger;
  interlays?: InterlayLookup;
  /** The test run's copier; default: the copy engine (engineCopier). */
  copier?: SampleCopier;
  /** Keys sampled for the analysis (default 1000). */
  sampleSize?: number;
  latencyWarnMs?: number;
}

type StoredOptions = ReportView['options'];

const SEVERITY_ORDER: Record<Severity, number> = { blocking: 0, warning: 1, info: 2, pass: 3 };

export class CompatService {
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly o: CompatServiceOptions) {}

  async list(limit = 100): Promise<ReportListItem[]> {
    const rows = await this.o.prisma.compatReport.findMany({ orderBy: { createdAt: 'desc' }, take: limit, include: { findings: true } });
    return rows.map((r) => {
      const { findings: _f, analysis: _a, test_run: _t, ...rest } = this.view(r);
      return rest;
    });
  }

  async get(id: string): Promise<ReportView> {
    const row = await this.o.prisma.compatReport.findUnique({ where: { id }, include: { findings: true } });
    if (!row) throw notFound('Compatibility report', id);
    return this.view(row);
  }

  async create(actor: Actor, input: CreateReportInput): Promise<{ id: string; status: ReportStatus }> {
    await this.validateRefs(input);
    const options: StoredOptions = {
      conflict_policy: input.conflict_policy,
      fallback: input.fallback,
      big_key_threshold_mb: input.big_key_threshold_mb,
      test_run: input.test_run ? { sample_keys: input.test_run.sample_keys, ...(input.test_run.match ? { match: input.test_run.match } : {}) } : null,
    };
    const row = await this.o.prisma.compatReport.create({
      data: { source: input.source, target: input.target, mirrorTargets: input.mirror_targets as never, interlay: input.interlay ?? null, options: options as never, createdBy: actor.username },
    });
    await this.o.audit.record(actor, { action: 'compat_report.create', objectType: 'compat_report', objectId: row.id, details: { source: input.source, target: input.target, test_run: Boolean(input.test_run) } });
    this.o.notifier.changed({ kind: 'compat-report', id: row.id });
    this.launch(row.id, row.runNumber);
    return { id: row.id, status: 'running' };
  }

  async rerun(actor: Actor, id: string): Promise<{ id: string; status: ReportStatus; run_number: number }> {
    const row = await this.o.prisma.compatReport.findUnique({ where: { id } });
    if (!row) throw notFound('Compatibility report', id);
    // Compare-and-set on status so two re-runs cannot both start.
    const updated = await this.o.prisma.compatReport.updateMany({
      where: { id, status: { not: 'running' } },
      data: { status: 'running', error: null, runNumber: { increment: 1 }, startedAt: new Date(), finishedAt: null },
    });
    if (updated.count === 0) throw conflict('This report is still running; wait for it to finish before re-running');
    await this.o.audit.record(actor, { action: 'compat_report.rerun', objectType: 'compat_report', objectId: id });
    this.o.notifier.changed({ kind: 'compat-report', id });
    this.launch(id, row.runNumber + 1);
    return { id, status: 'running', run_number: row.runNumber + 1 };
  }

  async acknowledge(actor: Actor, id: string, check: string, notes: string): Promise<FindingView> {
    const report = await this.o.prisma.compatReport.findUnique({ where: { id } });
    if (!report) throw notFound('Compatibility report', id);
    if (report.status === 'running') throw conflict('This report is running; acknowledge its findings once it has finished');
    const f = await this.o.prisma.compatFinding.findUnique({ where: { reportId_check: { reportId: id, check } } });
    if (!f) throw notFound('Finding', check);
    if (f.severity === 'blocking') throw conflict('blocking findings cannot be acknowledged; fix and re-run');
    if (f.severity === 'pass') throw conflict('this check passed; there is nothing to acknowledge');
    const updated = await this.o.prisma.compatFinding.update({ where: { id: f.id }, data: { ackBy: actor.username, ackAt: new Date(), ackNotes: notes } });
    await this.o.audit.record(actor, { action: 'compat_report.acknowledge', objectType: 'compat_report', objectId: id, details: { check, severity: f.severity, notes } });
    this.o.notifier.changed({ kind: 'compat-report', id });
    return findingView(updated);
  }

  async export(id: string): Promise<{ filename: string; report: ReportView & { exported_at: string } }> {
    const report = await this.get(id);
    return { filename: `compatibility-report-${report.source}-to-${report.target}-${id.slice(0, 8)}.json`, report: { ...report, exported_at: new Date().toISOString() } };
  }

  /** Start-up: runs cut off by a restart can never finish; say so. */
  async recover(): Promise<number> {
    const r = await this.o.prisma.compatReport.updateMany({ where: { status: 'running' }, data: { status: 'failed', error: 'interrupted by a console restart; re-run the report', finishedAt: new Date() } });
    return r.count;
  }

  /** Shutdown: waits for runs in flight (they close their own connections). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Resolves when the report's current run (if any) has finished; for tests and the CLI. */
  async settled(id: string): Promise<void> {
    await this.running.get(id);
  }

  // ---- internals ----

  private async validateRefs(input: CreateReportInput): Promise<void> {
    const issues: { path: string; message: string }[] = [];
    const names: [string, string][] = [['source', input.source], ['target', input.target], ...input.mirror_targets.map((m, i) => [`mirror_targets.${i}`, m] as [string, string])];
    for (const [path, name] of names) {
      try {
        await this.o.endpoints.get(name);
      } catch {
        issues.push({ path, message: `endpoint "${name}" does not exist` });
      }
    }
    if (input.interlay && this.o.interlays) {
      try {
        await this.o.interlays.describe(input.interlay);
      } catch (e) {
        if (/not found|was not found/i.test((e as Error).message)) issues.push({ path: 'interlay', message: `interlay "${input.interlay}" does not exist` });
      }
    }
    if (issues.length) throw new AppError('VALIDATION', `Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  }

  private launch(id: string, runNumber: number): void {
    const p = this.execute(id, runNumber)
      .catch((err) => this.o.log.error({ err, report: id }, 'compat report run crashed'))
      .finally(() => {
        if (this.running.get(id) === p) this.running.delete(id);
      });
    this.running.set(id, p);
  }

  private progress(id: string, phase: CompatProgressTick['phase']): void {
    this.o.notifier.toRoom(`compat-report:${id}`, 'compat-report:progress', { id, at: Date.now(), phase });
  }

  private async execute(id: string, runNumber: number): Promise<void> {
    const log = this.o.log.child({ report: id, run: runNumber });
    const row = await this.o.prisma.compatReport.findUniqueOrThrow({ where: { id } });
    const opts = row.options as unknown as StoredOptions;
    const options: RunOptions = { conflictPolicy: opts.conflict_policy as RunOptions['conflictPolicy'], fallback: opts.fallback as RunOptions['fallback'], bigKeyThresholdMb: opts.big_key_threshold_mb, latencyWarnMs: this.o.latencyWarnMs ?? 5 };
    let resources: Resources | undefined;
    try {
      this.progress(id, 'gathering');
      resources = await gatherResources(
        { settings: (n) => this.o.endpoints.settings(n), interlay: this.o.interlays ? (n) => this.o.interlays!.describe(n) : undefined, log },
        { source: row.source, target: row.target, mirrors: row.mirrorTargets as string[], interlay: row.interlay, options, sampleSize: this.o.sampleSize },
      );
      this.progress(id, 'checks');
      const results: { id: string; result: CheckResult }[] = [];
      for (const check of CHECKS) {
        let result: CheckResult;
        try {
          result = await check.run(resources);
        } catch (e) {
          log.warn({ err: e, check: check.id }, 'compat check failed');
          result = { severity: 'warning', title: `The check could not run (degraded): ${(e as Error).message}`, evidence: { error: (e as Error).message }, remediation: 'Re-run the report; if it persists, see the console log.' };
        }
        results.push({ id: check.id, result });
      }
      let testRun: TestRunResult | null = null;
      if (opts.test_run && !this.stopping) {
        this.progress(id, 'test-run');
        // The real copy engine by default; tests may pass another copier.
        const copier = this.o.copier ?? engineCopier(log, Math.round(opts.big_key_threshold_mb * 1024 * 1024));
        testRun = await runTestRun(resources, { sampleKeys: opts.test_run.sample_keys, match: opts.test_run.match }, copier);
        results.push({ id: 'test-run', result: testRunFinding(testRun) });
      }
      const analysis: Analysis = { keyspace: analyzeKeyspace(resources, testRun?.throughput ?? null), workload: analyzeWorkload(resources) };
      await this.persist(id, runNumber, results, analysis, testRun);
      log.info({ blocking: results.filter((r) => r.result.severity === 'blocking').length }, 'compat report completed');
    } catch (e) {
      log.error({ err: e }, 'compat report failed');
      await this.o.prisma.compatReport.updateMany({ where: { id, runNumber }, data: { status: 'failed', error: (e as Error).message, finishedAt: new Date() } });
    } finally {
      if (resources) await closeResources(resources);
      this.progress(id, 'done');
      this.o.notifier.changed({ kind: 'compat-report', id });
    }
  }

  private async persist(id: string, runNumber: number, results: { id: string; result: CheckResult }[], analysis: Analysis, testRun: TestRunResult | null): Promise<void> {
    await this.o.prisma.$transaction(async (tx) => {
      const current = await tx.compatReport.findUnique({ where: { id } });
      // A newer run started meanwhile (or the report was deleted): this result is stale.
      if (!current || current.runNumber !== runNumber) return;
      const previous = await tx.compatFinding.findMany({ where: { reportId: id } });
      const byCheck = new Map(previous.map((p) => [p.check, p]));
      for (const [i, { id: check, result }] of results.entries()) {
        const prev = byCheck.get(check);
        const keepAck = prev && prev.severity === result.severity && result.severity !== 'blocking' && result.severity !== 'pass';
        const data = {
          severity: result.severity,
          title: result.title,
          evidence: jsonSafe(result.evidence) as never,
          remediation: result.remediation,
          position: i,
          ...(keepAck ? {} : { ackBy: null, ackAt: null, ackNotes: null }),
        };
        if (prev) await tx.compatFinding.update({ where: { id: prev.id }, data });
        else await tx.compatFinding.create({ data: { reportId: id, check, ...data } });
      }
      const stale = previous.filter((p) => !results.some((r) => r.id === p.check)).map((p) => p.id);
      if (stale.length) await tx.compatFinding.deleteMany({ where: { id: { in: stale } } });
      await tx.compatReport.update({ where: { id }, data: { status: 'completed', error: null, analysis: jsonSafe(analysis) as never, testRun: (testRun ? jsonSafe(testRun) : null) as never, finishedAt: new Date() } });
    });
  }

  private view(row: ReportRow): ReportView {
    const findings = [...row.findings].sort((a, b) => SEVERITY_ORDER[a.severity as Severity] - SEVERITY_ORDER[b.severity as Severity] || a.position - b.position).map(findingView);
    const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
    const unack = findings.filter((f) => f.severity === 'warning' && !f.acknowledged).length;
    const status = row.status as ReportStatus;
    return {
      id: row.id,
      source: row.source,
      target: row.target,
      mirror_targets: row.mirrorTargets as string[],
      interlay: row.interlay,
      options: row.options as unknown as StoredOptions,
      status,
      error: row.error,
      run_number: row.runNumber,
      created_by: row.createdBy,
      created_at: row.createdAt.toISOString(),
      started_at: row.startedAt.toISOString(),
      finished_at: row.finishedAt?.toISOString() ?? null,
      summary: {
        blocking: count('blocking'),
        warning: count('warning'),
        info: count('info'),
        pass: count('pass'),
        unacknowledged_warnings: unack,
        approvable: status === 'completed' && count('blocking') === 0 && unack === 0,
      },
      findings,
      analysis: (row.analysis as Analysis | null) ?? {},
      test_run: (row.testRun as TestRunResult | null) ?? null,
    };
  }
}

type FindingRow = { check: string; severity: string; title: string; evidence: unknown; remediation: string; ackBy: string | null; ackAt: Date | null; ackNotes: string | null };
type ReportRow = {
  id: string;
  source: string;
  target: string;
  mirrorTargets: unknown;
  interlay: string | null;
  options: unknown;
  status: string;
  error: string | null;
  analysis: unknown;
  testRun: unknown;
  runNumber: number;
  createdBy: string;
  createdAt: Date;
  startedAt: Date;
  finishedAt: Date | null;
  findings: (FindingRow & { position: number })[];
};

function findingView(f: FindingRow): FindingView {
  return {
    check: f.check,
    severity: (SEVERITIES as readonly string[]).includes(f.severity) ? (f.severity as Severity) : 'info',
    title: f.title,
    evidence: (f.evidence as Record<string, unknown>) ?? {},
    remediation: f.remediation,
    acknowledged: f.ackBy && f.ackAt ? { by: f.ackBy, at: f.ackAt.toISOString(), notes: f.ackNotes ?? '' } : null,
  };
}

/** JSON columns take plain data: Buffers become text, bigints strings, undefined dropped. */
function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x && typeof x === 'object' && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('utf8') : x)));
}
