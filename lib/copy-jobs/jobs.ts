/**
 * Jobs themselves: create, list, read, the person-driven lifecycle (pause, resume,
 * cancel), the rate limit, and which jobs hold an endpoint.
 */
import type { Actor } from '../auth/roles';
import { conflict } from '../errors';
import type { EndpointUse } from '../endpoints/service';
import type { ErrorKeys } from './error-keys';
import type { RunHost } from './host';
import { assertLivePolicy } from './live-path';
import { jobRow, type CopyJobResources, type JobRow } from './resources';
import type { CopyJobOptions, CreateCopyJobInput } from './schema';
import { buildSpec, engineRate } from './spec';
import { COPY_JOB_STATES, holdsEndpoints, isTerminal, type CopyJobState } from './state';
import type { JobTransitions } from './transitions';
import { jobView, type CopyJobView } from './views';

export class Jobs {
  constructor(
    private readonly res: CopyJobResources,
    private readonly host: RunHost,
    private readonly transitions: JobTransitions,
    private readonly errorKeys: ErrorKeys,
  ) {}

  async create(actor: Actor, input: CreateCopyJobInput): Promise<CopyJobView> {
    // Resolve every endpoint first so a typo is a 400 with its field path, not a failed job.
    await buildSpec(this.res.endpoints, input);
    assertLivePolicy(this.res.livePath, input);
    const row = await this.res.prisma.copyJob.create({
      data: {
        source: input.source,
        targets: input.targets,
        spec: input as never,
        status: 'running',
        createdBy: actor.username,
        startedAt: new Date(),
      },
    });
    await this.res.audit.record(actor, {
      action: 'copy_job.create',
      objectType: 'copy_job',
      objectId: row.id,
      details: { source: input.source, targets: input.targets, conflict_policy: input.conflict_policy },
    });
    this.host.launch(row, 'create');
    this.res.notifier.changed({ kind: 'copy-job', id: row.id });
    return this.view(row);
  }

  async list(q: { status?: CopyJobState; limit?: number } = {}): Promise<CopyJobView[]> {
    const rows = await this.res.prisma.copyJob.findMany({
      where: q.status ? { status: q.status } : {},
      orderBy: { createdAt: 'desc' },
      take: q.limit ?? 100,
    });
    const counts = await this.errorKeys.counts(rows.map((r) => r.id));
    return rows.map((r) => jobView(r, counts.get(r.id), this.host.progress(r.id)));
  }

  async get(id: string): Promise<CopyJobView> {
    return this.view(await jobRow(this.res.prisma, id));
  }

  async pause(actor: Actor, id: string): Promise<CopyJobView> {
    const row = await this.transitions.apply(id, 'pause', actor);
    this.host.pause(id);
    return this.view(row);
  }

  async resume(actor: Actor, id: string): Promise<CopyJobView> {
    const row = await this.transitions.apply(id, 'resume', actor);
    this.host.resume(row);
    return this.view(row);
  }

  async cancel(actor: Actor, id: string): Promise<CopyJobView> {
    const row = await this.transitions.apply(id, 'cancel', actor);
    await this.host.cancel(id);
    return this.get(row.id);
  }

  async setRateLimit(actor: Actor, id: string, rate: { keys_per_sec?: number; mb_per_sec?: number } | null): Promise<CopyJobView> {
    const row = await jobRow(this.res.prisma, id);
    if (isTerminal(row.status)) throw conflict(`Copy job ${id} is ${row.status}; its rate limit can no longer change`);
    const options = { ...(row.spec as CopyJobOptions) };
    if (rate && (rate.keys_per_sec || rate.mb_per_sec)) options.rate_limit = rate;
    else delete options.rate_limit;
    const updated = await this.res.prisma.copyJob.update({ where: { id }, data: { spec: options as never } });
    this.host.setRateLimit(id, engineRate(options.rate_limit) ?? {});
    await this.res.audit.record(actor, { action: 'copy_job.rate_limit', objectType: 'copy_job', objectId: id, details: { rate_limit: options.rate_limit ?? null } });
    this.res.notifier.changed({ kind: 'copy-job', id });
    return this.view(updated);
  }

  /** Jobs that hold an endpoint (deleting it is then refused with 409). */
  async usage(endpoint: string): Promise<EndpointUse[]> {
    const rows = await this.res.prisma.copyJob.findMany({
      where: { status: { in: COPY_JOB_STATES.filter(holdsEndpoints) }, OR: [{ source: endpoint }, { targets: { has: endpoint } }] },
      select: { id: true },
    });
    return rows.map((r) => ({ type: 'copy-job', id: r.id }));
  }

  async view(row: JobRow): Promise<CopyJobView> {
    return jobView(row, (await this.errorKeys.counts([row.id])).get(row.id), this.host.progress(row.id));
  }
}
