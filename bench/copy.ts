/**
 * Bulk copy benchmark: our engine vs a straightforward ioredis copier vs Redis's own
 * MIGRATE, on the same data, in the same run.
 *
 *   npx tsx bench/copy.ts [--keys 1000000] [--only engine,ioredis,migrate] [--no-verify]
 *                         [--concurrency 8] [--batch 1000] [--probe guarded-dump|memory-usage|dump-length]
 *                         [--repeat N]      # N more engine/MIGRATE pairs back to back, median ratio
 *   npx tsx bench/copy.ts --bigkey-mb 200      # RSS growth while copying one big key
 *   npx tsx bench/copy.ts --console --rounds 3 [--keys 1000000] [--no-interlay] [--database-url URL]
 *       # the engine alone vs a copy job as the console runs it (its composition root, the
 *       # embedded database unless --database-url, an interlay in dual_write to the target so
 *       # the live-path coordination is attached, no writes), alternating, same data
 *
 * Spawns its own source and target redis-servers (never 6379). The engine runs in a
 * child process so its peak RSS (VmHWM) covers the copy alone, not the data fill.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RedisConnection } from '../lib/redis/connection';
import { encodeCommands } from '../lib/resp/encode';
import { RespError, type RespArg } from '../lib/resp/types';
import { CopyRun, MemoryCopyStore, verify, withDefaults, type BigKeyProbe, type CopySpec, type RedisTarget } from '../lib/copy/index';
import os from 'node:os';
import path from 'node:path';
import { startRedis, freePort, type RedisServer } from '../test/redis-server';

const argv = process.argv.slice(2);
function opt(name: string, def?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? def : argv[i + 1];
}
const flag = (name: string) => argv.includes(`--${name}`);

function target(port: number): RedisTarget {
  return { host: '127.0.0.1', port, tls: false, db: 0, protocol: 2, connectTimeoutMs: 5000, commandTimeoutMs: 120_000 };
}

function engineSpec(srcPort: number, tgtPort: number): CopySpec {
  return withDefaults({
    source: target(srcPort),
    targets: [target(tgtPort)],
    concurrency: Number(opt('concurrency', '8')),
    batchSize: Number(opt('batch', '1000')),
    scanCount: Number(opt('batch', '1000')),
    // Default: the engine's own default (DEFAULTS.bigKeyProbe).
    bigKeyProbe: opt('probe') as BigKeyProbe | undefined,
  });
}

function vmHWM(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const MB = 1024 * 1024;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

// --- child: the engine alone ----------------------------------------------------------

async function child(): Promise<void> {
  const spec = engineSpec(Number(opt('src')), Number(opt('tgt')));
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  // rss() alone is cheap; memoryUsage() walks the heap.
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  const run = new CopyRun(spec, new MemoryCopyStore(), { log: pino({ level: 'warn' }) });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const p = await run.run();
  const secs = (performance.now() - t0) / 1000;
  const cpuUs = cpuSince(cpu0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const out = { copied: p.copied, errors: p.errors, bytes: p.bytes, secs, cpuUs, rssBefore, peakRss: peak, hwm: vmHWM(), state: p.state };
  process.stdout.write(`@@RESULT ${JSON.stringify(out)}\n`);
}

/** CPU (user + system) this process spent since `from`, in µs. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return d.user + d.system;
}

type EngineResult = { copied: number; errors: number; bytes: number; secs: number; cpuUs: number; rssBefore: number; peakRss: number; hwm: number; state: string };

function runChild(src: number, tgt: number): Promise<EngineResult> {
  return spawnResult<EngineResult>(['--child', '--src', String(src), '--tgt', String(tgt)], ['concurrency', 'batch', 'probe']);
}

/** Runs this script again with `args` (and the options named in `pass`) and reads its `@@RESULT` line. */
function spawnResult<T>(args: string[], pass: string[]): Promise<T> {
  const all = ['tsx', 'bench/copy.ts', ...args];
  for (const k of pass) if (opt(k)) all.push(`--${k}`, opt(k)!);
  return new Promise((resolve, reject) => {
    const p = spawn('npx', all, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      const m = /@@RESULT (.*)/.exec(out);
      if (!m) return reject(new Error(`${args[0]} child exited with ${code}: ${out}`));
      resolve(JSON.parse(m[1]));
    });
  });
}

// --- child: a copy job as the console runs it ------------------------------------------

/**
 * The console's composition root (server/context.ts) on a fresh embedded database folder
 * (or --database-url), the two endpoints, an interlay on the source in dual_write to the
 * target (unless --no-interlay), then one copy job through the service, timed from its
 * creation to its final transition (the last checkpoint saved).
 */
async function jobChild(): Promise<void> {
  const [{ loadConfig }, { createLogger }, { createContext }, { SYSTEM_ACTOR }, { createEndpointSchema }, { createCopyJobSchema }, { createInterlaySchema, routingInputSchema }] = await Promise.all([
    import('../lib/config'),
    import('../lib/logger'),
    import('../server/context'),
    import('../lib/auth/roles'),
    import('../lib/endpoints/schema'),
    import('../lib/copy-jobs/schema'),
    import('../lib/interlays/schema'),
  ]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-console-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, ADMIN_PASSWORD: 'bench-admin-password', LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'false' };
  if (opt('database-url')) env.DATABASE_URL = opt('database-url')!;
  const ctx = await createContext(loadConfig(env), createLogger({ level: (process.env.BENCH_LOG_LEVEL ?? 'silent') as 'silent' }));
  try {
    await ctx.start();
    for (const [name, port] of [['src', opt('src')], ['dst', opt('tgt')]] as const) {
      await ctx.endpoints.create(SYSTEM_ACTOR, createEndpointSchema.parse({ endpoint: name, config: { target: { host: '127.0.0.1', port: Number(port) }, command_timeout_ms: 120_000 } }));
    }
    if (!flag('no-interlay')) {
      const settings = { allow_unauthenticated: { acknowledged: true, reason: 'benchmark' } };
      await ctx.interlays.create(SYSTEM_ACTOR, createInterlaySchema.parse({ id: 'bench', endpoint: 'src', port: await freePort(), start: true, settings }));
      await ctx.interlays.setRouting(SYSTEM_ACTOR, 'bench', routingInputSchema.parse({ stage: 'dual_write', target: 'dst' }));
    }
    const batch = Number(opt('batch', '1000'));
    const profile = opt('profile') ? await startProfile() : undefined;
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const job = await ctx.copyJobs.create(
      SYSTEM_ACTOR,
      createCopyJobSchema.parse({ source: 'src', targets: ['dst'], conflict_policy: 'Replace', concurrency: Number(opt('concurrency', '8')), batch_size: batch, scan_count: batch }),
    );
    // In memory while the run lasts (a database poll would share the copy's event loop), then the final row.
    while (ctx.copyJobs.isLive(job.id)) await new Promise((r) => setTimeout(r, 50));
    let row;
    for (;;) {
      row = await ctx.prisma.copyJob.findUniqueOrThrow({ where: { id: job.id } });
      if (row.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const secs = ((row.finishedAt?.getTime() ?? Date.now()) - t0) / 1000;
    const cpuUs = cpuSince(cpu0);
    if (profile) await profile(opt('profile')!);
    const out = { copied: Number(row.copied), errors: Number(row.errors), bytes: Number(row.bytes), secs, cpuUs, state: row.status, coordinatedWith: row.coordinatedWith };
    process.stdout.write(`@@RESULT ${JSON.stringify(out)}\n`);
  } finally {
    await ctx.stop();
    await ctx.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A CPU profile of the job alone (--profile FILE): the console's start-up is left out. */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

type JobResult = { copied: number; errors: number; bytes: number; secs: number; cpuUs: number; state: string; coordinatedWith: string[] };

function runJobChild(src: number, tgt: number): Promise<JobResult> {
  return spawnResult<JobResult>(['--job-child', '--src', String(src), '--tgt', String(tgt), ...(flag('no-interlay') ? ['--no-interlay'] : [])], ['concurrency', 'batch', 'database-url']);
}

/** Alternating rounds of the engine alone and a console copy job on the same data: keys/s and their ratio per round. */
async function consoleRounds(src: RedisServer, tgt: RedisServer, total: number): Promise<void> {
  const rounds = Number(opt('rounds', '3'));
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Every other round starts with the job, so neither side always runs on a warm machine.
    const order = i % 2 === 0 ? (['engine', 'job'] as const) : (['job', 'engine'] as const);
    const kps: Record<string, number> = {};
    const cpuPerKey: Record<string, number> = {};
    for (const which of order) {
      tgt.cli('FLUSHALL');
      const r = which === 'engine' ? await runChild(src.port, tgt.port) : await runJobChild(src.port, tgt.port);
      kps[which] = r.copied / r.secs;
      cpuPerKey[which] = r.cpuUs / r.copied;
      const extra = which === 'job' ? ` (${(r as JobResult).state}${(r as JobResult).coordinatedWith.length ? ', coordinated with interlay ' + (r as JobResult).coordinatedWith.join(',') : ''})` : '';
      console.log(`round ${i + 1} ${which.padEnd(6)}: ${fmt(r.copied)} keys in ${r.secs.toFixed(2)} s = ${fmt(kps[which])} keys/s, ${cpuPerKey[which].toFixed(2)} µs CPU per key (the copier's process); errors ${r.errors}${extra}`);
      if (r.copied !== total) console.log(`!! ${which} copied ${fmt(r.copied)} of ${fmt(total)} keys`);
    }
    ratios.push(kps.job / kps.engine);
    cpuRatios.push(cpuPerKey.job / cpuPerKey.engine);
    console.log(`round ${i + 1} job / engine = ${(kps.job / kps.engine).toFixed(3)}x keys/s, ${(cpuPerKey.job / cpuPerKey.engine).toFixed(3)}x CPU per key`);
  }
  const summary = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)}x (min ${sorted[0].toFixed(3)}x, max ${sorted[sorted.length - 1].toFixed(3)}x)`;
  };
  console.log(`console job / engine alone over ${rounds} rounds: keys/s ${summary(ratios)}; CPU per key ${summary(cpuRatios)}`);
  // On a shared machine the rates move with everyone else's load; CPU per key says what the console adds.
}

// --- fill ------------------------------------------------------------------------------

/** Deterministic pseudo-random numbers (same data every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * N keys: 80% strings of 100-400 bytes, 20% hashes / lists / sets / sorted sets of 10-100
 * elements of 8-30 bytes; 30% with a TTL of 1-3 hours (none expire during the run).
 * Values are random base64, so DUMP's LZF cannot shrink them: ~400 bytes of DUMP payload
 * per key on average.
 */
async function fill(server: RedisServer, n: number): Promise<void> {
  const c = new RedisConnection({ host: '127.0.0.1', port: server.port });
  await c.connect();
  const rand = rng(42);
  // Incompressible values (DUMP LZF-compresses repetitive ones, which would flatter every copier).
  const pool = Buffer.from(Buffer.from(Array.from({ length: 1 << 20 }, () => Math.floor(rand() * 256))).toString('base64'));
  const piece = (len: number) => {
    const off = Math.floor(rand() * (pool.length - len));
    return pool.subarray(off, off + len);
  };
  const t0 = performance.now();
  const chunk = 5000;
  const inflight: Promise<unknown>[] = [];
  for (let start = 0; start < n; start += chunk) {
    const cmds: RespArg[][] = [];
    for (let i = start; i < Math.min(n, start + chunk); i++) {
      const key = `key:${i}`;
      const r = rand();
      const ttl = rand() < 0.3 ? String(3_600_000 + Math.floor(rand() * 7_200_000)) : null;
      if (r < 0.8) {
        const len = 100 + Math.floor(rand() * 300);
        cmds.push(ttl ? ['SET', key, piece(len), 'PX', ttl] : ['SET', key, piece(len)]);
        continue;
      }
      const els = 10 + Math.floor(rand() * 90);
      const args: RespArg[] = [];
      const kind = Math.floor(((r - 0.8) / 0.2) * 4);
      for (let e = 0; e < els; e++) {
        if (kind === 0) args.push(`field${e}`, piece(8 + Math.floor(rand() * 16)));
        else if (kind === 3) args.push(String(e * 1.5), piece(8 + Math.floor(rand() * 16)));
        else args.push(piece(10 + Math.floor(rand() * 20)));
      }
      cmds.push([['HSET', 'RPUSH', 'SADD', 'ZADD'][kind], key, ...args]);
      if (ttl) cmds.push(['PEXPIRE', key, ttl]);
    }
    inflight.push(c.sendRaw(encodeCommands(cmds), cmds.length).then((r) => {
      const e = r.find((x) => x instanceof RespError);
      if (e) throw new Error(String(e));
    }));
    if (inflight.length >= 4) await inflight.shift();
  }
  await Promise.all(inflight);
  const info = String(await c.call('INFO', 'memory'));
  console.log(`filled ${fmt(n)} keys in ${((performance.now() - t0) / 1000).toFixed(1)} s; source used_memory ${/used_memory_human:(\S+)/.exec(info)?.[1]}`);
  await c.close();
}

// --- baselines -------------------------------------------------------------------------

/** The script most people would write: SCAN, pipelined DUMP + PTTL, pipelined RESTORE. */
async function ioredisCopy(srcPort: number, tgtPort: number): Promise<{ keys: number; bytes: number }> {
  const src = new Redis({ port: srcPort, lazyConnect: false });
  const tgt = new Redis({ port: tgtPort });
  let cursor = '0';
  let keys = 0;
  let bytes = 0;
  do {
    const [next, batch] = await src.scanBuffer(cursor, 'COUNT', 1000);
    cursor = String(next);
    if (batch.length === 0) continue;
    const p = src.pipeline();
    for (const k of batch) p.dumpBuffer(k).pttl(k);
    const res = (await p.exec())!;
    const w = tgt.pipeline();
    for (let i = 0; i < batch.length; i++) {
      const dump = res[2 * i][1] as Buffer | null;
      const ttl = res[2 * i + 1][1] as number;
      if (!dump || ttl === -2) continue;
      w.restore(batch[i], ttl > 0 ? ttl : 0, dump, 'REPLACE');
      bytes += dump.length;
      keys++;
    }
    await w.exec();
  } while (cursor !== '0');
  src.disconnect();
  tgt.disconnect();
  return { keys, bytes };
}

/** Redis's own MIGRATE ... COPY REPLACE KEYS, 1000 keys per call. */
async function migrateCopy(srcPort: number, tgtPort: number): Promise<{ keys: number }> {
  const src = new Redis({ port: srcPort });
  const scanner = new Redis({ port: srcPort });
  let cursor = '0';
  let keys = 0;
  let pending: Buffer[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    await src.callBuffer('MIGRATE', '127.0.0.1', String(tgtPort), '', '0', '60000', 'COPY', 'REPLACE', 'KEYS', ...pending);
    keys += pending.length;
    pending = [];
  };
  do {
    const [next, batch] = await scanner.scanBuffer(cursor, 'COUNT', 1000);
    cursor = String(next);
    pending.push(...batch);
    if (pending.length >= 1000) await flush();
  } while (cursor !== '0');
  await flush();
  src.disconnect();
  scanner.disconnect();
  return { keys };
}

async function dbsize(s: RedisServer): Promise<number> {
  return Number(s.cli('DBSIZE').trim());
}

// --- big key ---------------------------------------------------------------------------

async function bigKey(mb: number): Promise<void> {
  const [src, tgt] = await Promise.all([startRedis(), startRedis()]);
  try {
    const c = new RedisConnection({ host: '127.0.0.1', port: src.port });
    await c.connect();
    const value = 'v'.repeat(100);
    const fields = Math.ceil((mb * MB) / 110);
    for (let i = 0; i < fields; i += 50_000) {
      const cmds: RespArg[][] = [];
      for (let j = i; j < Math.min(fields, i + 50_000); j += 1000) {
        const args: RespArg[] = ['HSET', 'big'];
        for (let k = j; k < Math.min(fields, j + 1000); k++) args.push(`f${k}`, value);
        cmds.push(args);
      }
      await c.pipeline(cmds);
    }
    console.log(`big hash: ${fmt(fields)} fields, MEMORY USAGE ${fmt(Number(await c.call('MEMORY', 'USAGE', 'big', 'SAMPLES', '0')) / MB)} MB`);
    await c.close();
    const r = await runChild(src.port, tgt.port);
    console.log(`copied in ${r.secs.toFixed(1)} s; engine RSS before ${fmt(r.rssBefore / MB)} MB, peak ${fmt(r.peakRss / MB)} MB, growth ${fmt((r.peakRss - r.rssBefore) / MB)} MB (VmHWM ${fmt(r.hwm / MB)} MB)`);
    console.log(`target HLEN ${tgt.cli('HLEN', 'big').trim()}`);
  } finally {
    await Promise.all([src.kill(), tgt.kill()]);
  }
}

// --- main ------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (flag('child')) return child();
  if (flag('job-child')) return jobChild();
  if (opt('bigkey-mb')) return bigKey(Number(opt('bigkey-mb')));

  const n = Number(opt('keys', '1000000'));
  const only = new Set((opt('only', 'engine,ioredis,migrate') ?? '').split(','));
  const [src, tgt] = await Promise.all([startRedis(), startRedis()]);
  const results: Record<string, { kps: number; mbps: number; secs: number }> = {};
  try {
    await fill(src, n);
    const total = await dbsize(src);
    if (flag('hold')) {
      // Profiling aid: keep the filled servers up and run `--child --src S --tgt T` by hand.
      console.log(`holding: --src ${src.port} --tgt ${tgt.port} (Ctrl-C to stop)`);
      await new Promise((r) => process.once('SIGINT', r));
      return;
    }

    if (flag('console')) return await consoleRounds(src, tgt, total);

    if (only.has('engine')) {
      const r = await runChild(src.port, tgt.port);
      const kps = r.copied / r.secs;
      results.engine = { kps, mbps: r.bytes / MB / r.secs, secs: r.secs };
      console.log(`engine:  ${fmt(r.copied)} keys in ${r.secs.toFixed(2)} s = ${fmt(kps)} keys/s, ${(r.bytes / MB / r.secs).toFixed(1)} MB/s of DUMP payload (${fmt(r.bytes / MB)} MB); peak RSS ${fmt(r.peakRss / MB)} MB (VmHWM ${fmt(r.hwm / MB)} MB); errors ${r.errors}`);
      if (!flag('no-verify')) {
        const t0 = performance.now();
        const v = await verify(engineSpec(src.port, tgt.port), { mode: 'full' });
        console.log(`verify:  checked ${fmt(v.checked)} in ${((performance.now() - t0) / 1000).toFixed(1)} s: missing ${v.missing}, type ${v.type_mismatch}, value ${v.value_mismatch}, ttl ${v.ttl_mismatch}`);
      }
      if ((await dbsize(tgt)) !== total) console.log(`!! target has ${await dbsize(tgt)} keys, source ${total}`);
    }

    if (only.has('ioredis')) {
      tgt.cli('FLUSHALL');
      const t0 = performance.now();
      const r = await ioredisCopy(src.port, tgt.port);
      const secs = (performance.now() - t0) / 1000;
      results.ioredis = { kps: r.keys / secs, mbps: r.bytes / MB / secs, secs };
      console.log(`ioredis: ${fmt(r.keys)} keys in ${secs.toFixed(2)} s = ${fmt(r.keys / secs)} keys/s, ${(r.bytes / MB / secs).toFixed(1)} MB/s`);
    }

    if (only.has('migrate')) {
      tgt.cli('FLUSHALL');
      const t0 = performance.now();
      const r = await migrateCopy(src.port, tgt.port);
      const secs = (performance.now() - t0) / 1000;
      const bytes = results.engine ? results.engine.mbps * results.engine.secs : 0;
      results.migrate = { kps: r.keys / secs, mbps: bytes / secs, secs };
      console.log(`migrate: ${fmt(r.keys)} keys in ${secs.toFixed(2)} s = ${fmt(r.keys / secs)} keys/s`);
    }

    // Other work on the machine shifts between phases; alternating engine and MIGRATE
    // runs (--repeat N) gives ratios measured back to back.
    const repeat = Number(opt('repeat', '0'));
    const pairs: number[] = [];
    for (let i = 0; i < repeat; i++) {
      tgt.cli('FLUSHALL');
      const e = await runChild(src.port, tgt.port);
      tgt.cli('FLUSHALL');
      const t0 = performance.now();
      const m = await migrateCopy(src.port, tgt.port);
      const ms = (performance.now() - t0) / 1000;
      const ratio = e.copied / e.secs / (m.keys / ms);
      pairs.push(ratio);
      console.log(`repeat ${i + 1}: engine ${fmt(e.copied / e.secs)} keys/s, migrate ${fmt(m.keys / ms)} keys/s, ratio ${ratio.toFixed(2)}x`);
    }
    if (pairs.length > 0) {
      const sorted = [...pairs].sort((a, b) => a - b);
      console.log(`median engine / migrate over ${pairs.length} back-to-back pairs = ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}x`);
    }

    if (results.engine) {
      for (const k of ['ioredis', 'migrate']) {
        if (results[k]) console.log(`engine / ${k} = ${(results.engine.kps / results[k].kps).toFixed(2)}x`);
      }
    }
  } finally {
    await Promise.all([src.kill(), tgt.kill()]);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
