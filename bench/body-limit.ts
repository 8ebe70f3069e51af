/**
 * Body-limit benchmark: does a stream of oversized requests to the console stall the
 * interlays in the same process? Starts the real console (scripts/start.mjs: custom server,
 * Next, Socket.IO, engine) on a fresh embedded database, an endpoint on a spawned
 * redis-server and an interlay in front of it; then runs redis-benchmark through the
 * interlay, alternating rounds without and with concurrent senders that each POST a body of
 * `--size` to /api/v1/auth/login (no sign-in needed) again and again. Prints the interlay's
 * rate and p99 for both, their ratio, what the senders got back, and the console's peak RSS.
 *
 *   flock /tmp/bench.lock npx tsx bench/body-limit.ts [--rounds 3] [--n 100000] [--senders 4] [--size 450mb] [--unlimited]
 *
 * `--unlimited` starts the console with limits of 1 GB (the behaviour before the limit) to
 * show what the limit prevents; it buffers `--senders` × `--size` in the console, so keep
 * those small on a shared machine. Never touches the Redis on 6379.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startRedis } from '@/test/redis-server';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
}
function bytes(v: string): number {
  const m = /^(\d+)(kb|mb|gb)?$/i.exec(v);
  if (!m) throw new Error(`bad size ${v}`);
  return Number(m[1]) * ({ kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'kb'] ?? 1);
}
const ROUNDS = Number(arg('rounds', '3'));
const N = Number(arg('n', '100000'));
const SENDERS = Number(arg('senders', '4'));
const SIZE = bytes(arg('size', '450mb'));
const UNLIMITED = process.argv.includes('--unlimited');
const ADMIN_TOKEN = 'rit_bench-body-limit-0123456789abcdef';

const redis = await startRedis();
const consolePort = await freePort();
const interlayPort = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-bench-body-'));
const consoleProc = spawn(process.execPath, ['--initial-old-space-size=64', 'scripts/start.mjs'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env,
    PORT: String(consolePort),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    ADMIN_PASSWORD: 'bench-admin-password',
    ADMIN_TOKEN,
    LOG_LEVEL: 'error',
    RESTORE_INTERLAYS: 'false',
    NODE_ENV: 'production',
    ...(UNLIMITED ? { MAX_BODY_SIZE: '1gb', MAX_AUTH_BODY_SIZE: '1gb' } : {}),
  },
});
const base = `http://127.0.0.1:${consolePort}`;

async function cleanup(): Promise<void> {
  consoleProc.kill('SIGTERM');
  await new Promise((r) => consoleProc.once('exit', r));
  await redis.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

async function api(method: string, p: string, body?: unknown): Promise<unknown> {
  const res = await fetch(base + p, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

for (let i = 0; ; i++) {
  if (consoleProc.exitCode !== null) throw new Error('the console exited during start-up');
  try {
    if ((await fetch(`${base}/api/v1/health`)).ok) break;
  } catch {
    // not listening yet
  }
  if (i > 600) throw new Error('the console did not start within 5 minutes');
  await new Promise((r) => setTimeout(r, 500));
}
await api('POST', '/api/v1/endpoints', { endpoint: 'bench', config: { target: { host: '127.0.0.1', port: redis.port } } });
await api('POST', '/api/v1/interlays', { id: 'bench', endpoint: 'bench', port: interlayPort, start: true });

/** Peak resident memory of the console so far (VmHWM), MB. */
function consolePeakMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${consoleProc.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Sent {
  status: number | undefined;
  bytes: number;
}

/** One POST declaring SIZE bytes; writes until it has sent them all or the server closes. */
function oversized(): Promise<Sent> {
  return new Promise((resolve) => {
    const socket = net.connect(consolePort, '127.0.0.1');
    let sent = 0;
    let reply = '';
    let open = true;
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      if (reply.length < 64) reply += d;
    });
    const done = () => {
      if (!open) return;
      open = false;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(reply);
      resolve({ status: m ? Number(m[1]) : undefined, bytes: sent });
    };
    socket.on('close', done);
    socket.on('error', () => socket.destroy());
    socket.on('connect', () => {
      socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1:${consolePort}\r\nContent-Type: application/json\r\nContent-Length: ${SIZE}\r\nConnection: close\r\n\r\n`);
      const pump = () => {
        while (open && sent < SIZE) {
          const n = Math.min(chunk.length, SIZE - sent);
          sent += n;
          if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void socket.once('drain', pump);
        }
      };
      pump();
    });
  });
}

/** SENDERS loops of oversized requests until stopped; returns what came back. */
function attack(): { stop(): Promise<Sent[]> } {
  let running = true;
  const results: Sent[] = [];
  const loops = Array.from({ length: SENDERS }, async () => {
    while (running) results.push(await oversized());
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

interface Result {
  rps: number;
  p99: number;
  max: number;
}

/** redis-benchmark --csv: "test","rps","avg","min","p50","p95","p99","max". */
async function bench(): Promise<Result> {
  const { stdout } = await run('redis-benchmark', ['-p', String(interlayPort), '-t', 'get', '-n', String(N), '-c', '20', '--csv'], { maxBuffer: 16 * 1024 * 1024 });
  const cols = stdout.trim().split('\n')[1]!.split(',').map((c) => Number(c.replace(/"/g, '')));
  return { rps: cols[1]!, p99: cols[6]!, max: cols[7]! };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  await bench(); // warm-up, not measured
  const quiet: Result[] = [];
  const loud: Result[] = [];
  const sent: Sent[] = [];
  console.log(
    `redis-benchmark -t get -n ${N} -c 20 through an interlay in the console; ${ROUNDS} alternating rounds; ` +
      `${SENDERS} senders of ${arg('size', '450mb')} POSTs to /api/v1/auth/login; limits ${UNLIMITED ? '1 GB (--unlimited)' : 'default (16 KB for /auth)'}`,
  );
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of r % 2 === 0 ? (['quiet', 'loud'] as const) : (['loud', 'quiet'] as const)) {
      if (side === 'quiet') {
        quiet.push(await bench());
        continue;
      }
      const a = attack();
      await new Promise((res) => setTimeout(res, 300));
      loud.push(await bench());
      sent.push(...(await a.stop()));
    }
    process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
  }
  const q = { rps: median(quiet.map((x) => x.rps)), p99: median(quiet.map((x) => x.p99)), max: median(quiet.map((x) => x.max)) };
  const l = { rps: median(loud.map((x) => x.rps)), p99: median(loud.map((x) => x.p99)), max: median(loud.map((x) => x.max)) };
  console.log('\n                     |    ops/s | p99 ms | max ms');
  console.log(`without oversized    | ${q.rps.toFixed(0).padStart(8)} | ${q.p99.toFixed(3).padStart(6)} | ${q.max.toFixed(1).padStart(6)}`);
  console.log(`with oversized       | ${l.rps.toFixed(0).padStart(8)} | ${l.p99.toFixed(3).padStart(6)} | ${l.max.toFixed(1).padStart(6)}`);
  console.log(`ratio (with/without) | ${(l.rps / q.rps).toFixed(2).padStart(8)} | ${(l.p99 / q.p99).toFixed(2).padStart(6)} | ${(l.max / q.max).toFixed(2).padStart(6)}`);
  const statuses = sent.reduce<Record<string, number>>((acc, s) => ((acc[String(s.status ?? 'cut')] = (acc[String(s.status ?? 'cut')] ?? 0) + 1), acc), {});
  const avgSent = sent.reduce((a, s) => a + s.bytes, 0) / Math.max(1, sent.length);
  console.log(`\noversized requests: ${sent.length}, replies ${JSON.stringify(statuses)}, bytes written per request ${(avgSent / 1024).toFixed(0)} KB (of ${(SIZE / 1024 ** 2).toFixed(0)} MB declared)`);
  console.log(`console peak RSS: ${consolePeakMb().toFixed(0)} MB`);
} finally {
  await cleanup();
}
process.exit(0);
