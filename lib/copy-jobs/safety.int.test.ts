/**
 * Data safety of copy jobs under faults, and outcomes a person can trust (the issue
 * "Trustworthy under faults"): real redis-servers, both database kinds, the console's own
 * composition root. Each test is the regression test of one finding.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '@/lib/auth/roles';
import { loadConfig } from '@/lib/config';
import { createEndpointSchema } from '@/lib/endpoints/schema';
import { createLogger } from '@/lib/logger';
import { createContext, type ServerContext } from '@/server/context';
import { startCopyHost } from '@/test/copy-host-process';
import { createTestDatabase, dbKinds, TEST_DATABASE_URL, type TestDatabase } from '@/test/db';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { RedisConnection } from '../redis';
import type { CreateCopyJobInput } from './schema';
import { connect, diffKeys, seed, waitFor } from './test-support';
import type { CopyJobView } from './views';

const kinds = await dbKinds();
const operator: Actor = { userId: '', username: 'olga', role: 'operator', via: 'token' };

describe.each(kinds)('copy job safety (%s)', (kind) => {
  let db: TestDatabase;
  let dataDir: string;
  let ctx: ServerContext;
  const servers: RedisServer[] = [];
  const conns: RedisConnection[] = [];

  const redis = async (config?: Record<string, string>) => {
    const s = await startRedis({ config });
    servers.push(s);
    return s;
  };
  const conn = async (s: RedisServer) => {
    const c = await connect(s.port);
    conns.push(c);
    return c;
  };
  let n = 0;
  const endpoint = async (s: RedisServer) => {
    const name = `ep-${kind}-${++n}`;
    await ctx.endpoints.create(SYSTEM_ACTOR, createEndpointSchema.parse({ endpoint: name, config: { read_conn: { host: '127.0.0.1', port: s.port }, write_conn: { host: '127.0.0.1', port: s.port }, command_timeout_ms: 30_000 } }));
    return name;
  };
  const job = (source: string, target: string, extra: Partial<CreateCopyJobInput> = {}) =>
    ctx.copyJobs.create(operator, { source, targets: [target], conflict_policy: 'Replace', preserve_ttl: true, ...extra });
  const until = (id: string, ok: (j: CopyJobView) => boolean, what: string) =>
    waitFor(async () => {
      const j = await ctx.copyJobs.get(id);
      return ok(j) ? j : undefined;
    }, what);
  const ended = (id: string) => until(id, (j) => !['running', 'paused'].includes(j.status), `job ${id} to end`);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-copy-safety-'));
    db = await createTestDatabase(kind);
    const config = loadConfig({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'admin-password', LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'false' });
    ctx = await createContext(config, createLogger({ level: 'silent' }), { db });
    await ctx.start();
  });

  afterEach(async () => {
    await Promise.all(conns.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.kill()));
  });

  afterAll(async () => {
    await ctx?.stop();
    await ctx?.close();
    await db?.destroy();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies again when the target is killed and restarts empty mid-copy, and says why in the history', async () => {
    const [src, tgt] = await Promise.all([redis(), redis()]);
    const srcC = await conn(src);
    const keys = await seed(srcC, 'k:', 6000);
    const j = await job(await endpoint(src), await endpoint(tgt), { batch_size: 200, rate_limit: { keys_per_sec: 3000 } });
    await until(j.id, (x) => (x.progress?.copied ?? 0) >= 2500, '~42% copied');
    await tgt.kill();
    await new Promise((r) => setTimeout(r, 3000));
    await tgt.restart();
    const done = await ended(j.id);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ copied: keys.length, errors: 0 });
    expect(await diffKeys(srcC, await conn(tgt), keys)).toEqual([]);
    const history = await ctx.copyJobs.transitions(j.id);
    const recover = history.filter((t) => t.event === 'recover');
    expect(recover).toHaveLength(1);
    expect(recover[0]).toMatchObject({ from: 'running', to: 'running', actor: 'system' });
    expect(recover[0]!.reason).toMatch(/^target 0 \(127\.0\.0\.1:\d+\) restarted .*: the keys copied to it so far may be gone; copying every db again from the start$/);
    expect(history.at(-1)).toMatchObject({ event: 'complete', to: 'completed' });
  });

  it('ends a job whose every key failed as completed_with_errors; retry makes the counts true and completes it', async () => {
    // A 1-byte maxmemory: every RESTORE is refused with OOM.
    const [src, tgt] = await Promise.all([redis(), redis({ maxmemory: '1', 'maxmemory-policy': 'noeviction' })]);
    const keys = await seed(await conn(src), 'oom:', 299); // + one binary key = 300
    const j = await job(await endpoint(src), await endpoint(tgt));
    const failed = await ended(j.id);
    expect(failed.status).toBe('completed_with_errors');
    expect(failed.counts).toMatchObject({ scanned: 300, copied: 0, errors: 300 });
    expect(failed.error_key_counts).toMatchObject({ unresolved: 300, by_class: { target_oom: 300 } });
    const end = (await ctx.copyJobs.transitions(j.id)).at(-1)!;
    expect(end).toMatchObject({ event: 'complete_with_errors', to: 'completed_with_errors' });
    expect(end.reason).toBe('300 error keys are unresolved (target_oom 300); retry or resolve them');

    tgt.cli('CONFIG', 'SET', 'maxmemory', '0');
    const r = await ctx.copyJobs.retryErrorKeys(operator, j.id, {});
    expect(r).toMatchObject({ attempted: 300, copied: 300, failed: 0 });
    const after = await ctx.copyJobs.get(j.id);
    expect(after.status).toBe('completed');
    expect(after.counts).toMatchObject({ scanned: 300, copied: 300, errors: 0, resolved: 0 });
    expect(await diffKeys(await conn(src), await conn(tgt), keys)).toEqual([]);
    expect((await ctx.copyJobs.transitions(j.id)).at(-1)).toMatchObject({ event: 'errors_cleared', to: 'completed', actor: 'olga', reason: 'every error key is resolved; the last 300 were copied on retry by olga' });
  });

  it('counts keys a person resolved as resolved, not as errors, and completes the job once none is left', async () => {
    const [src, tgt] = await Promise.all([redis(), redis({ maxmemory: '1', 'maxmemory-policy': 'noeviction' })]);
    await seed(await conn(src), 'res:', 49);
    const j = await job(await endpoint(src), await endpoint(tgt));
    expect((await ended(j.id)).counts).toMatchObject({ errors: 50, copied: 0 });
    await expect(ctx.copyJobs.resolveErrorKeys(operator, j.id, { class: 'target_oom', note: 'not needed on the target' })).resolves.toEqual({ resolved: 50 });
    const after = await ctx.copyJobs.get(j.id);
    expect(after.status).toBe('completed');
    expect(after.counts).toMatchObject({ scanned: 50, copied: 0, errors: 0, resolved: 50 });
  });

  it('refuses to retry the error keys of a job that is still running, saying when it can', async () => {
    const [src, tgt] = await Promise.all([redis(), redis()]);
    await seed(await conn(src), 'busy:', 2000);
    const j = await job(await endpoint(src), await endpoint(tgt), { rate_limit: { keys_per_sec: 200 } });
    await expect(ctx.copyJobs.retryErrorKeys(operator, j.id, {})).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `Copy job ${j.id} is running: its error keys and counts still change. Retry its error keys once it has finished, failed or been cancelled.`,
    });
    await ctx.copyJobs.cancel(operator, j.id);
  });

  it('measures progress against the keys in the job scope, not the whole keyspace', async () => {
    const [src, tgt] = await Promise.all([redis(), redis()]);
    const srcC = await conn(src);
    await seed(srcC, 'other:', 40_304); // 40,305 keys outside the scope
    await seed(srcC, 'app:', 299); // 300 inside
    const j = await job(await endpoint(src), await endpoint(tgt), { match: ['app:*'], batch_size: 20, rate_limit: { keys_per_sec: 200 } });
    const mid = await until(j.id, (x) => (x.progress?.copied ?? 0) > 0, 'the first batch');
    expect(mid.progress).toMatchObject({ estimated_total: 300, estimate: 'counted' });
    expect(mid.progress!.per_db['0']).toMatchObject({ estimated_total: 300, estimate: 'counted', done: false });
    await ctx.copyJobs.setRateLimit(operator, j.id, null);
    const done = await ended(j.id);
    expect(done.counts.copied).toBe(300);
    expect(done.progress).toMatchObject({ estimated_total: 300, estimate: 'final', eta_s: 0 });
    expect(done.progress!.per_db['0']).toMatchObject({ estimated_total: 300, estimate: 'final', done: true });
  });

  it('repairs every divergent key when the verification listed only the first 10,000', async () => {
    const [src, tgt] = await Promise.all([redis(), redis()]);
    const keys = await seed(await conn(src), 'rep:', 11_999);
    const j = await job(await endpoint(src), await endpoint(tgt));
    expect((await ended(j.id)).status).toBe('completed');
    tgt.cli('FLUSHALL');
    const started = await ctx.copyJobs.verify(operator, j.id, { mode: 'full' });
    const v = await waitFor(async () => {
      const x = await ctx.copyJobs.getVerification(j.id, started.id, { limit: 1, format: 'json' });
      return x.status === 'completed' ? x : undefined;
    }, 'the verification');
    expect(v).toMatchObject({ differences: 12_000, truncated: true, counts: { missing: 12_000 } });
    const rep = await ctx.copyJobs.repair(operator, j.id, v.id);
    expect(rep.repair.status).toBe('running');
    const repaired = await waitFor(async () => {
      const x = await ctx.copyJobs.getVerification(j.id, v.id, { limit: 1, format: 'json' });
      return x.repair.status !== 'running' ? x : undefined;
    }, 'the repair');
    expect(repaired.repair).toMatchObject({ status: 'completed', repaired: 12_000, failed: 0, rescanned: true });
    expect(repaired.repair.message).toBe(
      "Every divergent key is back: re-copied 10,000 listed divergent keys; the verification listed only 10,000 of the divergent keys, so the job's whole scope was compared again: 12,000 keys checked, 2,000 more divergent found and repaired.",
    );
    expect(await diffKeys(await conn(src), await conn(tgt), keys)).toEqual([]);
  }, 180_000);

  it('records a console crash (kill -9) mid-copy and the resume in the history; the copy ends with 0 differences', async () => {
    const [src, tgt] = await Promise.all([redis(), redis()]);
    const srcC = await conn(src);
    const keys = await seed(srcC, 'crash:', 4999);
    // A console of its own in a child process (its own database), killed mid-copy.
    const hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-copy-crash-'));
    const schema = kind === 'postgresql' ? await freshSchema() : undefined;
    const config = loadConfig({ DATA_DIR: hostDir, DATABASE_URL: schema?.url, ADMIN_PASSWORD: 'admin-password', LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'false' });
    const host = startCopyHost({
      dataDir: hostDir,
      databaseUrl: schema?.url,
      endpoints: { 'crash-src': src, 'crash-tgt': tgt },
      create: { source: 'crash-src', targets: ['crash-tgt'], batch_size: 100, rate_limit: { keys_per_sec: 2500 } },
    });
    let again: ServerContext | undefined;
    try {
      const id = await host.jobId;
      await host.until((p) => p.id === id && p.copied >= 1500);
      await host.stop('SIGKILL');
      // The console starts again on the same database and resumes the job.
      again = await createContext(config, createLogger({ level: 'silent' }));
      await again.start();
      const console2 = again;
      const done = await waitFor(async () => {
        const x = await console2.copyJobs.get(id);
        return x.status === 'running' ? undefined : x;
      }, 'the resumed job');
      expect(done.status).toBe('completed');
      expect(done.counts.copied).toBe(keys.length);
      expect(await diffKeys(srcC, await conn(tgt), keys)).toEqual([]);
      const history = await console2.copyJobs.transitions(id);
      expect(history.map((t) => t.event)).toEqual(['interrupt', 'restart', 'complete']);
      expect(history[0]!.reason).toBe('the console process running this job ended without shutting down (crash, kill -9 or power loss); nothing after its last checkpoint was kept');
      expect(history[1]!.reason).toMatch(/^the console started again; the job goes on from its checkpoint \([\d,]+ keys scanned, [\d,]+ batches committed\); batches in flight when it stopped are copied again$/);
    } finally {
      await host.stop('SIGKILL');
      await again?.stop();
      await again?.close();
      await schema?.drop();
      fs.rmSync(hostDir, { recursive: true, force: true });
    }
  }, 180_000);
});

/** A schema of its own in the test PostgreSQL, for a console in another process. */
async function freshSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_crash_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const u = new URL(TEST_DATABASE_URL);
  u.searchParams.set('schema', name);
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await c.end();
    },
  };
}
