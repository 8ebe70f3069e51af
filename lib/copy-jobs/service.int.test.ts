/**
 * The service's own behaviour with a stub engine: progress ticks to the job's room are
 * throttled and the final state is flushed at once; status changes emit `changed`; a
 * failed run can be resumed and a lost compare-and-set is a conflict.
 */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '@/lib/audit/service';
import { SYSTEM_ACTOR } from '@/lib/auth/roles';
import { createLogger } from '@/lib/logger';
import { createTestDatabase, type TestDatabase } from '@/test/db';
import type { CopyProgress, CopySpec, CopyStore } from '../copy/types';
import { CopyJobService, type CopyEngine } from './service';
import { waitFor } from './test-support';

const log = createLogger({ level: 'silent' });
const conn = { role: 'read' as const, host: '127.0.0.1', port: 1, tls: false, protocol: 2 as const, db: 0, connectTimeoutMs: 1000, commandTimeoutMs: 1000 };

function progress(state: CopyProgress['state'], copied: number): CopyProgress {
  const now = new Date().toISOString();
  return { state, scanned: copied, copied, skipped: 0, expired: 0, conflicts: 0, errors: 0, bytes: copied * 10, keys_per_sec: 100, bytes_per_sec: 1000, estimated_total: 100, estimate: 'keyspace', eta_s: 1, per_db: {}, started_at: now, updated_at: now };
}

/** Emits 50 progress events at once, then ends as told by `outcome`. */
let outcome: 'completed' | 'failed' = 'completed';
class StubRun extends EventEmitter {
  constructor(
    readonly spec: CopySpec,
    readonly store: CopyStore,
  ) {
    super();
  }
  async run(): Promise<CopyProgress> {
    for (let i = 1; i <= 50; i++) this.emit('progress', progress('running', i));
    await this.store.saveCheckpoint({ version: 1, dbs: { '0': { cursor: '0', done: true, scanned: 50, copied: 50, skipped: 0, expired: 0, conflicts: 0, errors: 0, bytes: 500 } }, batches: 1, started_at: '', updated_at: '' });
    return outcome === 'failed' ? { ...progress('failed', 50), error: 'target went away' } : progress('completed', 50);
  }
  pause() {}
  resume() {}
  cancel() {}
  setRateLimit() {}
  progress() {
    return progress('running', 0);
  }
}

const engine = { CopyRun: StubRun, retryErrorKeys: async () => ({ copied: 0, failed: [] }), verify: async () => ({}), repair: async () => ({}) } as unknown as CopyEngine;

describe('copy job service (stub engine)', () => {
  let db: TestDatabase;
  let svc: CopyJobService;
  const sent: { room: string; event: string; payload: Record<string, unknown> }[] = [];
  const changed: unknown[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('embedded');
    svc = new CopyJobService({
      prisma: db.prisma,
      sql: db.sql,
      endpoints: { settings: async (name: string) => ({ name, version: 1, poolSize: 1, roles: { read: conn, write: { ...conn, role: 'write' } } }), registerUsage: () => {} },
      audit: new AuditService(db.prisma, log),
      notifier: { changed: (e) => changed.push(e), toRoom: (room, event, payload) => sent.push({ room, event, payload: payload as never }) },
      log,
      engine,
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await db?.destroy();
  });

  it('throttles progress ticks and flushes the final state', async () => {
    const job = await svc.create(SYSTEM_ACTOR, { source: 'a', targets: ['b'], conflict_policy: 'Replace', preserve_ttl: true });
    const done = await waitFor(async () => ((await svc.get(job.id)).status === 'completed' ? svc.get(job.id) : undefined), 'completion');
    expect(done.counts.copied).toBe(50);
    const ticks = sent.filter((s) => s.room === `copy-job:${job.id}`);
    // 50 engine events in one burst: the first goes out, the rest are coalesced, the final is flushed.
    expect(ticks.length).toBeLessThanOrEqual(3);
    expect(ticks[0]).toMatchObject({ event: 'copy-job:progress', payload: { id: job.id, copied: 1 } });
    expect(ticks.at(-1)!.payload).toMatchObject({ id: job.id, state: 'completed', copied: 50 });
    expect(typeof ticks.at(-1)!.payload.at).toBe('number');
    expect(changed).toContainEqual({ kind: 'copy-job', id: job.id });
  });

  it('lets a failed job resume from its checkpoint and refuses events a state does not allow', async () => {
    outcome = 'failed';
    const job = await svc.create(SYSTEM_ACTOR, { source: 'a', targets: ['b'], conflict_policy: 'Replace', preserve_ttl: true });
    const failed = await waitFor(async () => ((await svc.get(job.id)).status === 'failed' ? svc.get(job.id) : undefined), 'failure');
    expect(failed.error).toBe('target went away');
    await expect(svc.pause(SYSTEM_ACTOR, job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    outcome = 'completed';
    const resumed = await svc.resume(SYSTEM_ACTOR, job.id);
    expect(resumed.status).toBe('running');
    expect(resumed.error).toBeNull();
    await waitFor(async () => (await svc.get(job.id)).status === 'completed', 'completion after resume');
    const t = await svc.transitions(job.id);
    expect(t.map((x) => `${x.from}>${x.to}`)).toEqual(['running>failed', 'failed>running', 'running>completed']);
    await expect(svc.cancel(SYSTEM_ACTOR, job.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
