/**
 * Copy jobs across a console restart (the job resumes from its checkpoint, counts are not
 * doubled) and a streamed export of many error keys in bounded memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '@/lib/auth/roles';
import { createEndpointSchema } from '@/lib/endpoints/schema';
import { loadConfig } from '@/lib/config';
import { createLogger } from '@/lib/logger';
import { createContext, type ServerContext } from '@/server/context';
import { createTestDatabase, dbKinds, type TestDatabase } from '@/test/db';
import { startRedis, type RedisServer } from '@/test/redis-server';
import { connect, diffKeys, seed, waitFor } from './test-support';

const kinds = await dbKinds();

describe.each(kinds)('copy job lifecycle (%s)', (kind) => {
  let db: TestDatabase;
  let dataDir: string;
  let src: RedisServer;
  let dst: RedisServer;
  let ctx: ServerContext | undefined;

  const newContext = async () => {
    const config = loadConfig({ DATA_DIR: dataDir, ADMIN_PASSWORD: 'admin-password', LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'false' });
    const c = await createContext(config, createLogger({ level: 'silent' }), { db });
    await c.start();
    return c;
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-copy-life-'));
    [db, src, dst] = await Promise.all([createTestDatabase(kind), startRedis(), startRedis()]);
  });

  afterAll(async () => {
    if (ctx) {
      await ctx.stop();
      await ctx.close();
    }
    await db?.destroy();
    await Promise.all([src?.stop(), dst?.stop()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes a running job from its checkpoint after a console restart, without doubling counts', async () => {
    const srcC = await connect(src.port);
    const dstC = await connect(dst.port);
    const keys = await seed(srcC, 'r:', 4000);
    ctx = await newContext();
    for (const [name, s] of [['src', src], ['dst', dst]] as const) {
      await ctx.endpoints.create(SYSTEM_ACTOR, createEndpointSchema.parse({ endpoint: name, config: { read_conn: { host: '127.0.0.1', port: s.port }, write_conn: { host: '127.0.0.1', port: s.port } } }));
    }
    // Slow enough that the console stops mid-job.
    const job = await ctx.copyJobs.create(SYSTEM_ACTOR, {
      source: 'src',
      targets: ['dst'],
      conflict_policy: 'Replace',
      preserve_ttl: true,
      batch_size: 100,
      rate_limit: { keys_per_sec: 800 },
    });
    const first = ctx;
    await waitFor(async () => (await first.copyJobs.get(job.id)).counts.copied >= 500, 'the first batches');

    await ctx.stop();
    await ctx.close();
    ctx = undefined;
    const row = await db.prisma.copyJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe('running');
    expect(row.checkpoint).toBeTruthy();
    const copiedBefore = Number(row.copied);
    expect(copiedBefore).toBeGreaterThan(0);
    expect(copiedBefore).toBeLessThan(keys.length);

    ctx = await newContext();
    const second = ctx;
    expect(second.copyJobs.isLive(job.id)).toBe(true);
    // Faster now: the rate limit can change while it runs.
    await second.copyJobs.setRateLimit(SYSTEM_ACTOR, job.id, null);
    const done = await waitFor(async () => {
      const j = await second.copyJobs.get(job.id);
      if (j.status === 'failed') throw new Error(j.error ?? 'failed');
      return j.status === 'completed' ? j : undefined;
    }, 'the resumed job to complete');
    expect(done.counts.copied).toBe(keys.length);
    expect(done.counts.scanned).toBe(keys.length);
    expect(Number(await dstC.call('DBSIZE'))).toBe(keys.length);
    expect(await diffKeys(srcC, dstC, keys)).toEqual([]);
    // The history tells the shutdown and the resume apart from what people did.
    const transitions = await second.copyJobs.transitions(job.id);
    expect(transitions.map((t) => `${t.event}:${t.from}>${t.to}`)).toEqual(['interrupt:running>running', 'restart:running>running', 'complete:running>completed']);
    expect(transitions[0]!.reason).toMatch(/^the console shut down; the job resumes from its checkpoint at the next start \([\d,]+ keys scanned so far\)$/);
    expect(transitions[1]!.reason).toMatch(/^the console started again; the job goes on from its checkpoint/);
    await Promise.all([srcC.close(), dstC.close()]);
  });

  // 200,000 rows rather than 1,000,000 to keep the suite fast on two shared cores; the export
  // reads keyset pages of 2,000 rows, so memory does not depend on the row count.
  it('streams an export of 200,000 error keys in bounded memory', async () => {
    ctx ??= await newContext();
    const N = 200_000;
    const job = await db.prisma.copyJob.create({ data: { source: 'src', targets: ['dst'], spec: { source: 'src', targets: ['dst'], conflict_policy: 'Replace', preserve_ttl: true }, status: 'completed', createdBy: 'test' } });
    await db.sql.query(
      `INSERT INTO "copy_job_error_keys" ("job_id", "target", "db", "key", "error_class", "message", "size")
       SELECT $1::uuid, 0, 0, convert_to('bulk:' || g || ':' || repeat('k', 40), 'UTF8'), 'target_oom', 'OOM command not allowed when used memory > ''maxmemory''.', 1000
         FROM generate_series(1, ${N}) g`,
      [job.id],
    );
    // Live heap after a full GC, so garbage the stream has already dropped does not count.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const live = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = live();
    let peak = before;
    // CSV only here (the JSONL writer shares the paging; see the API test and export.test.ts).
    for (const format of ['csv'] as const) {
      const stream = await ctx.copyJobs.exportErrorKeys(job.id, { limit: 100, format }, format);
      const reader = stream.getReader();
      let lines = 0;
      let tail = 0;
      let chunks = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const b of value) if (b === 0x0a) lines++;
        tail = value[value.length - 1]!;
        if (++chunks % 25 === 0) peak = Math.max(peak, live());
      }
      expect(tail).toBe(0x0a);
      expect(lines).toBe(format === 'csv' ? N + 1 : N);
    }
    // The export is ~45 MB of text; holding it (or its rows) would show here.
    expect(peak - before).toBeLessThan(24 * 1024 * 1024);
  }, 300_000);
});
