/**
 * `npm run demo`: the product with something to migrate, in one command.
 *
 *  1. two local redis-servers on free ports (the source and the target), in a temp folder;
 *  2. the source filled with an app's data: user hashes, sessions with TTLs, page counters,
 *     leaderboards, job queues, tag sets and an order stream (about 32 000 keys);
 *  3. the console, as `npm start` runs it (scripts/start.mjs), on an embedded database in
 *     the same temp folder, with a generated admin password and API token;
 *  4. through the API: the two endpoints, an interlay for the source (started; serving
 *     clients without AUTH, acknowledged, since it binds to 127.0.0.1 only) and a draft
 *     migration run;
 *  5. an app-like writer through the interlay (a few hundred operations a second);
 *  6. the URL and the login, then a line `demo ready {json}` for scripts and tests.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops the writer, the console and the redis-servers, in that
 * order, and removes the temp folder. The console and the servers run in process groups of
 * their own, so the terminal's Ctrl-C reaches only this script, which stops them in order
 * (the interlay drains before its backend goes away).
 *
 *   npm run demo                 (PORT=… for another console port than 3000)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { requireInstall } from './install-check.mjs';
import { NODE_FLAGS } from './node-flags.mjs';

const root = path.resolve(import.meta.dirname, '..');
const HOST = '127.0.0.1';
const SOURCE = 'redis-source';
const TARGET = 'redis-target';
const INTERLAY = 'app';
/** The writer's pace: one pipeline per tick. 30 commands every 100 ms ≈ 300 ops/s. */
const TICK_MS = 100;
const OPS_PER_TICK = 30;

// ---- small helpers ----

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Signals a child's whole process group (a build the console started goes with it), then SIGKILL after a grace period. */
async function stopGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/**
 * Every process the demo spawned, registered the moment it is spawned: a Ctrl-C while a
 * server is still starting, or while the console builds, stops those too.
 */
const started: { console?: ChildProcess; redis: ChildProcess[] } = { redis: [] };

// ---- redis-servers ----

interface LocalRedis {
  name: string;
  port: number;
  child: ChildProcess;
}

async function startRedis(name: string, dir: string): Promise<LocalRedis> {
  const port = await freePort();
  fs.mkdirSync(dir, { recursive: true });
  const conf = [`bind ${HOST}`, `port ${port}`, `dir ${dir}`, `logfile ${path.join(dir, 'redis.log')}`, 'save ""', 'appendonly no', 'daemonize no'];
  fs.writeFileSync(path.join(dir, 'redis.conf'), `${conf.join('\n')}\n`);
  const child = spawn('redis-server', [path.join(dir, 'redis.conf')], { stdio: 'ignore', detached: true });
  started.redis.push(child);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server for ${name} exited with ${child.exitCode}: ${fs.readFileSync(path.join(dir, 'redis.log'), 'utf8').slice(-1000)}`);
    if (!(await portFree(port))) return { name, port, child };
    await sleep(50);
  }
  throw new Error(`redis-server for ${name} did not listen on ${port} within 10 s`);
}

// ---- sample data ----

const PLANS = ['free', 'free', 'free', 'pro', 'pro', 'team'];
const GAMES = ['tetris', 'snake', 'pong', 'asteroids', 'pacman'];
const SEASONS = ['2026-q3', '2026-q4', 'all-time', 'weekly', 'daily'];
const QUEUES = ['emails', 'webhooks', 'thumbnails', 'invoices', 'exports', 'push', 'sms', 'search-index', 'audit', 'billing'];
const TAGS = ['beta', 'vip', 'churn-risk', 'newsletter', 'mobile', 'desktop', 'eu', 'us', 'apac', 'trial'];
const USERS = 15_000;
const SESSIONS = 10_000;
const PAGES = 2_000;
const TAGGED = 5_000;
const ORDERS = 5_000;

/** Fills the source as an application would have: about 32 000 keys of every common type. */
async function seed(port: number): Promise<number> {
  const r = new Redis({ host: HOST, port, lazyConnect: true });
  await r.connect();
  const rnd = Math.random;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const batch = async (n: number, add: (p: ReturnType<Redis['pipeline']>, i: number) => void) => {
    for (let start = 0; start < n; start += 1000) {
      const p = r.pipeline();
      for (let i = start; i < Math.min(n, start + 1000); i++) add(p, i);
      await p.exec();
    }
  };
  const day = 86_400_000;
  await batch(USERS, (p, i) =>
    p.hset(`user:${i + 1}`, {
      name: `User ${i + 1}`,
      email: `user${i + 1}@example.com`,
      plan: pick(PLANS),
      created_at: new Date(Date.UTC(2025, 0, 1) + Math.floor(rnd() * 600) * day).toISOString(),
      visits: String(Math.floor(rnd() * 500)),
    }),
  );
  await batch(SESSIONS, (p, i) => {
    const session = { user: 1 + Math.floor(rnd() * USERS), ua: pick(['web', 'ios', 'android']), csrf: crypto.randomBytes(8).toString('hex') };
    p.set(`session:${crypto.createHash('sha1').update(String(i)).digest('hex')}`, JSON.stringify(session), 'EX', 600 + Math.floor(rnd() * 7200));
  });
  await batch(PAGES, (p, i) => p.set(`page:views:/products/${i + 1}`, String(Math.floor(rnd() * 100_000))));
  await batch(GAMES.length * SEASONS.length, (p, i) => {
    const args: (string | number)[] = [];
    for (let m = 0; m < 500; m++) args.push(Math.floor(rnd() * 1_000_000), `player:${1 + Math.floor(rnd() * USERS)}`);
    p.zadd(`leaderboard:${GAMES[i % GAMES.length]}:${SEASONS[Math.floor(i / GAMES.length)]}`, ...args);
  });
  await batch(QUEUES.length, (p, i) => {
    const jobs = Array.from({ length: 300 }, (_, j) => JSON.stringify({ id: `${QUEUES[i]}-${j}`, user: 1 + Math.floor(rnd() * USERS), attempts: 0 }));
    p.rpush(`queue:${QUEUES[i]}`, ...jobs);
  });
  await batch(TAGGED, (p, i) => p.sadd(`user:${i + 1}:tags`, ...TAGS.filter(() => rnd() < 0.3), pick(TAGS)));
  await batch(ORDERS, (p) => p.xadd('events:orders', '*', 'user', String(1 + Math.floor(rnd() * USERS)), 'total_cents', String(Math.floor(rnd() * 20_000)), 'status', pick(['paid', 'paid', 'refunded', 'pending'])));
  await r.hset('config:feature_flags', { new_checkout: 'on', dark_mode: 'off', search_v2: 'canary' });
  await r.set('stats:requests', '0');
  const keys = await r.dbsize();
  r.disconnect();
  return keys;
}

// ---- the app-like writer ----

/** What an application does all day, through the interlay: sessions, counters, profile updates, jobs, scores, orders. */
class Writer {
  ops = 0;
  errors = 0;
  lastError: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly conn: Redis;

  constructor(port: number) {
    // One retry, then the error is counted; ticks wait while the connection is not ready.
    this.conn = new Redis({ host: HOST, port, maxRetriesPerRequest: 1, retryStrategy: (t) => Math.min(t * 50, 1000) });
    this.conn.on('error', (e: Error) => this.fail(e));
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.conn.status !== 'ready') return;
      this.inFlight = this.tick().catch((e: Error) => this.fail(e));
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.inFlight;
    this.conn.disconnect();
  }

  private fail(e: Error): void {
    this.errors += 1;
    this.lastError = e.message;
  }

  private async tick(): Promise<void> {
    const rnd = Math.random;
    const user = () => 1 + Math.floor(rnd() * USERS);
    const p = this.conn.pipeline();
    // Every request of the app counts itself: a key that changes on every tick.
    p.incr('stats:requests');
    for (let i = 1; i < OPS_PER_TICK; i++) {
      const x = rnd();
      if (x < 0.3) p.set(`session:${crypto.randomBytes(10).toString('hex')}`, JSON.stringify({ user: user(), ua: 'web' }), 'EX', 1800);
      else if (x < 0.5) p.incr(`page:views:/products/${1 + Math.floor(rnd() * PAGES)}`);
      else if (x < 0.7) p.hset(`user:${user()}`, 'last_seen', new Date().toISOString());
      else if (x < 0.8) p.hget(`user:${user()}`, 'plan');
      else if (x < 0.87) {
        const queue = `queue:${QUEUES[Math.floor(rnd() * QUEUES.length)]}`;
        p.lpush(queue, JSON.stringify({ user: user(), at: Date.now() })).ltrim(queue, 0, 999);
      }
      else if (x < 0.97) p.zincrby(`leaderboard:${GAMES[Math.floor(rnd() * GAMES.length)]}:daily`, Math.floor(rnd() * 100), `player:${user()}`);
      else p.xadd('events:orders', 'MAXLEN', '~', '20000', '*', 'user', String(user()), 'total_cents', String(Math.floor(rnd() * 20_000)), 'status', 'paid');
    }
    const replies = (await p.exec()) ?? [];
    for (const [err] of replies) {
      if (err) this.fail(err);
      else this.ops += 1;
    }
  }
}

// ---- the console ----

interface ConsoleProcess {
  url: string;
  child: ChildProcess;
  api<T = unknown>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }>;
}

async function startConsole(dataDir: string, admin: { username: string; password: string; token: string }): Promise<ConsoleProcess> {
  const wanted = Number(process.env.PORT ?? 3000);
  const port = (await portFree(wanted)) ? wanted : await freePort();
  if (port !== wanted) say(`Port ${wanted} is taken; the console uses ${port}.`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST,
    DATA_DIR: dataDir,
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
    ADMIN_TOKEN: admin.token,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    RESTORE_INTERLAYS: 'false',
    NODE_ENV: 'production',
  };
  // The embedded database in the temp folder, whatever the shell has set.
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(root, 'scripts', 'start.mjs')], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  started.console = child;
  const url = `http://${HOST}:${port}`;
  const api: ConsoleProcess['api'] = async (method, route, body) => {
    const res = await fetch(`${url}/api/v1${route}`, {
      method,
      headers: { authorization: `Bearer ${admin.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as never };
  };
  // The first start builds the Next.js app, which takes minutes on a small machine.
  const deadline = Date.now() + 15 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the console exited (${child.exitCode ?? child.signalCode}) before it was up; see its output above`);
    const up = await fetch(`${url}/api/v1/health`).then((r) => r.ok, () => false);
    if (up) return { url, child, api };
    await sleep(500);
  }
  throw new Error(`the console did not answer on ${url} within 15 minutes`);
}

async function must<T>(what: string, call: Promise<{ status: number; body: T }>): Promise<T> {
  const r = await call;
  if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// ---- main ----

requireInstall(root, 'the demo');
if (!onPath('redis-server')) {
  console.error('npm run demo needs redis-server on the PATH to run a source and a target Redis.');
  console.error('Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) and run npm run demo again.');
  process.exit(1);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-interlay-demo-'));
let writer: Writer | undefined;
let report: NodeJS.Timeout | undefined;
let stopping: Promise<void> | undefined;

/** Stops everything the demo started, in order, once; removes the temp folder. */
function shutdown(code: number): Promise<void> {
  stopping ??= (async () => {
    say('\nStopping the demo: writer, console, redis-servers…');
    clearInterval(report);
    await writer?.stop().catch(() => {});
    if (started.console) await stopGroup(started.console, 20_000);
    await Promise.all(started.redis.map((child) => stopGroup(child, 5_000)));
    fs.rmSync(tmp, { recursive: true, force: true });
    say('Demo stopped; its servers and temp folder are gone.');
    process.exit(code);
  })();
  return stopping;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void shutdown(0));

try {
  say(`Demo folder: ${tmp}`);
  const source = await startRedis(SOURCE, path.join(tmp, SOURCE));
  const target = await startRedis(TARGET, path.join(tmp, TARGET));
  say(`Source redis-server on ${HOST}:${source.port}, target on ${HOST}:${target.port}.`);
  say('Filling the source with sample data…');
  const keys = await seed(source.port);
  say(`The source holds ${keys} keys (users, sessions, counters, leaderboards, queues, tags, an order stream).`);

  const admin = { username: 'admin', password: crypto.randomBytes(9).toString('base64url'), token: `demo_${crypto.randomBytes(24).toString('hex')}` };
  say('Starting the console (the first start builds it)…');
  const c = await startConsole(path.join(tmp, 'data'), admin);
  c.child.once('exit', (code, sig) => {
    if (stopping) return;
    console.error(`The console stopped on its own (${code ?? sig}); stopping the demo.`);
    void shutdown(1);
  });

  for (const [name, s, description] of [
    [SOURCE, source, 'The demo application\'s Redis (sample data, written to through the interlay)'],
    [TARGET, target, 'The empty Redis to migrate to'],
  ] as const) {
    await must(`create endpoint ${name}`, c.api('POST', '/endpoints', { endpoint: name, kind: 'redis', description, config: { target: { host: HOST, port: s.port } } }));
    await must(`check endpoint ${name}`, c.api('POST', `/endpoints/${name}/check`));
  }
  const interlayPort = await freePort();
  const interlay = await must<{ status: string; error: string | null }>(
    'create interlay',
    c.api('POST', '/interlays', {
      id: INTERLAY,
      endpoint: SOURCE,
      port: interlayPort,
      start: true,
      settings: { bind_address: HOST, allow_unauthenticated: { acknowledged: true, reason: 'npm run demo: the demo writer on this machine connects without AUTH' } },
    }),
  );
  if (interlay.status !== 'listening') throw new Error(`the interlay did not start: ${interlay.status} ${interlay.error ?? ''}`);

  writer = new Writer(interlayPort);
  writer.start();

  const run = await c.api<{ id?: string }>('POST', '/migrations', { name: `Demo: ${SOURCE} → ${TARGET}` });
  let migration: string | null = null;
  if (run.status === 404) say('This build of the console has no migrations API yet: create the run in the UI (Migrations → New migration).');
  else migration = (await must('create the migration run', Promise.resolve(run))).id ?? null;

  const w = writer;
  let last = 0;
  report = setInterval(() => {
    say(`writer: ${w.ops} ops (${Math.round((w.ops - last) / 30)}/s)${w.errors ? `, ${w.errors} errors (last: ${w.lastError})` : ''}`);
    last = w.ops;
  }, 30_000);

  say('');
  say(`The console:   ${c.url}`);
  say(`Sign in as:    ${admin.username} / ${admin.password}`);
  say(`API token:     ${admin.token}   (curl -H "Authorization: Bearer …" ${c.url}/api/v1/endpoints)`);
  say(`Applications:  redis://${HOST}:${interlayPort}/ (interlay "${INTERLAY}" → ${SOURCE}); a writer runs through it`);
  say(migration ? `Migration run: ${c.url}/migrations/${migration} (draft: submit its setup next)` : 'Migration run: create it in the UI (Migrations → New migration).');
  say('Press Ctrl-C to stop; everything the demo started is removed.');
  say(
    `demo ready ${JSON.stringify({
      url: c.url,
      username: admin.username,
      password: admin.password,
      token: admin.token,
      source_port: source.port,
      target_port: target.port,
      interlay_port: interlayPort,
      migration,
      dir: tmp,
      pids: { console: c.child.pid, source: source.child.pid, target: target.child.pid },
    })}`,
  );
} catch (e) {
  console.error(`The demo could not start: ${(e as Error).message}`);
  await shutdown(1);
}
