/**
 * Body-limit benchmark: does a stream of oversized requests to the console stall the
 * interlays in the same process? Starts the real console (scripts/start.mjs: custom server,
 * Next, Socket.IO, engine) on a fresh embedded database, an endpoint on a spawned
 * redis-server and an interlay in front of it; then runs redis-benchmark through the
 * interlay, alternating rounds without and with a stream of POSTs of `--size` bodies to
 * /api/v1/auth/login (no sign-in needed): `--rate` requests a second in all, at most
 * `--senders` at once, each writing its body until the console closes the connection.
 * Prints the interlay's rate and p99 for both, their ratio, what the senders got back, and
 * the console's peak RSS before and after.
 *
 *   flock /tmp/bench.lock npx tsx bench/body-limit.ts [--rounds 3] [--n 100000] [--senders 4] [--rate 20] [--size 450mb] [--unlimited]
 *
 * The stream is paced because the benchmark shares the machine with the console: unpaced
 * senders measure how fast this process can write to loopback, not what the console does.
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
const RATE = Number(arg('rate', '20'));
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

/** CPU time (user + system) the console has used so far, ms. */
function consoleCpuMs(): number {
  const stat = fs.readFileSync(`/proc/${consoleProc.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ ticks
}

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

/** Oversized requests at RATE a second, at most SENDERS at once, until stopped; returns what came back. */
function attack(): { stop(): Promise<Sent[]> } {
  let running = true;
  const results: Sent[] = [];
  const started = performance.now();
  let issued = 0;
  const loops = Array.from({ length: SENDERS }, async () => {
    while (running) {
      // The next slot of the shared schedule; a sender that falls behind sends at once.
      const due = started + (issued++ * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!running) break;
      results.push(await oversized());
    }
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
  /** CPU ms the console and this process (the senders) spent per 1,000 interlay requests. */
  consoleCpu: number;
  senderCpu: number;
}

/** redis-benchmark --csv: "test","rps","avg","min","p50","p95","p99","max". */
async function bench(): Promise<Result> {
  const console0 = consoleCpuMs();
  const self0 = process.cpuUsage();
  const { stdout } = await run('redis-benchmark', ['-p', String(interlayPort), '-t', 'get', '-n', String(N), '-c', '20', '--csv'], { maxBuffer: 16 * 1024 * 1024 });
  const self = process.cpuUsage(self0);
  const cols = stdout.trim().split('\n')[1]!.split(',').map((c) => Number(c.replace(/"/g, '')));
  const per1k = (ms: number) => (ms * 1000) / N;
  return { rps: cols[1]!, p99: cols[6]!, max: cols[7]!, consoleCpu: per1k(consoleCpuMs() - console0), senderCpu: per1k((self.user + self.system) / 1000) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  await bench(); // warm-up, not measured
  const peakBefore = consolePeakMb();
  const quiet: Result[] = [];
  const loud: Result[] = [];
  const sent: Sent[] = [];
  console.log(
    `redis-benchmark -t get -n ${N} -c 20 through an interlay in the console; ${ROUNDS} alternating rounds; ` +
      `${RATE}/s POSTs of ${arg('size', '450mb')} to /api/v1/auth/login, at most ${SENDERS} at once; limits ${UNLIMITED ? '1 GB (--unlimited)' : 'default (16 KB for /auth)'}`,
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
  const med = (xs: Result[]) => Object.fromEntries((['rps', 'p99', 'max', 'consoleCpu', 'senderCpu'] as const).map((k) => [k, median(xs.map((x) => x[k]))])) as unknown as Result;
  const q = med(quiet);
  const l = med(loud);
  const row = (name: string, r: Result) =>
    `${name.padEnd(20)} | ${r.rps.toFixed(0).padStart(8)} | ${r.p99.toFixed(3).padStart(6)} | ${r.max.toFixed(1).padStart(6)} | ${r.consoleCpu.toFixed(1).padStart(17)} | ${r.senderCpu.toFixed(1).padStart(16)}`;
  console.log('\n(medians)            |    ops/s | p99 ms | max ms | console CPU ms/1k | sender CPU ms/1k');
  console.log(row('without oversized', q));
  console.log(row('with oversized', l));
  console.log(`ratio (with/without) | ${(l.rps / q.rps).toFixed(2).padStart(8)} | ${(l.p99 / q.p99).toFixed(2).padStart(6)} | ${(l.max / q.max).toFixed(2).padStart(6)} | ${(l.consoleCpu / q.consoleCpu).toFixed(2).padStart(17)} |`);
  const statuses = sent.reduce<Record<string, number>>((acc, s) => ((acc[String(s.status ?? 'cut')] = (acc[String(s.status ?? 'cut')] ?? 0) + 1), acc), {});
  const avgSent = sent.reduce((a, s) => a + s.bytes, 0) / Math.max(1, sent.length);
  console.log(`\noversized requests: ${sent.length}, replies ${JSON.stringify(statuses)}, bytes written per request ${(avgSent / 1024).toFixed(0)} KB (of ${(SIZE / 1024 ** 2).toFixed(0)} MB declared)`);
  console.log(`console peak RSS: ${peakBefore.toFixed(0)} MB after the warm-up, ${consolePeakMb().toFixed(0)} MB at the end`);
} finally {
  await cleanup();
}
process.exit(0);
