/**
 * Interlay benchmark: redis-benchmark directly against a spawned redis-server and through
 * an Interlay (in this process), alternating several rounds; prints medians and ratios.
 * Then the RSS cost of 1,000 idle client connections.
 *
 *   npx tsx bench/interlay.ts [--rounds 3] [--n 200000] [--pool 1] [--only "-P 16"]
 *
 * Besides throughput it prints the CPU each process spent per request (from /proc, µs):
 * the proxy's own cost, and what Redis and redis-benchmark spent, direct vs proxied. On a
 * machine where all three share two cores those costs decide the ratio, and they are far
 * less noisy than the rates.
 *
 * Never touches the Redis on 6379.
 */
import net from 'node:net';
import { startRedis, freePort } from '@/test/redis-server';
import { ensureNodeFlags, NODE_FLAGS } from '../scripts/node-flags.mjs';
import { arg, argText, machineTicks, median, procCpu, redisBenchmark, stealPercent, type Result } from './common';

// The interlay runs with the console's V8 flags, as in the console process.
await ensureNodeFlags();
import { createLogger } from '@/lib/logger';

const { Interlay } = await import('@/lib/interlay');

const ROUNDS = arg('rounds', 3);
const N = arg('n', 200_000);
const POOL = arg('pool', 1);
const ONLY = argText('only');

/** CPU µs per request of one run: the interlay (this process), redis-server, redis-benchmark. */
interface Cpu { proxy: number; redis: number; client: number }

const bench = (port: number, extra: string[]) => redisBenchmark(port, N, extra);

const redis = await startRedis();

/** One redis-benchmark run with the CPU every process spent on it. */
async function measured(port: number, extra: string[], proxied: boolean): Promise<{ res: Record<string, Result>; cpu: Cpu }> {
  const self0 = process.cpuUsage();
  const kids0 = procCpu('self').children;
  const redis0 = procCpu(redis.pid).own;
  const res = await bench(port, extra);
  const self1 = process.cpuUsage(self0);
  const requests = N * Object.keys(res).length;
  const cpu: Cpu = {
    proxy: proxied ? (self1.user + self1.system) / requests : 0,
    redis: (procCpu(redis.pid).own - redis0) / requests,
    client: (procCpu('self').children - kids0) / requests,
  };
  return { res, cpu };
}
const port = await freePort();
const interlay = new Interlay({
  id: 'bench',
  port,
  poolSize: POOL,
  backend: { host: '127.0.0.1', port: redis.port, tls: false, db: 0, protocol: 2, connectTimeoutMs: 5000, commandTimeoutMs: 30_000 },
  // redis-benchmark does not AUTH: the loopback opt-out the product requires for that.
  settings: { bind_address: '127.0.0.1', max_concurrent_connections: 5000, idle_timeout_s: 0, allow_unauthenticated: true },
  log: createLogger({ level: 'warn' }),
});
await interlay.start();

const configs: { name: string; args: string[] }[] = [
  { name: '-P 1', args: ['-P', '1'] },
  { name: '-P 16', args: ['-P', '16'] },
  { name: '-P 1 -d 1024', args: ['-P', '1', '-d', '1024'] },
  { name: '-P 16 -d 1024', args: ['-P', '16', '-d', '1024'] },
].filter((c) => ONLY === undefined || c.name === ONLY);

// Warm-up (not measured): let V8 optimise the interlay's hot path, as in a long-running proxy.
await bench(port, ['-P', '16']);
await bench(port, ['-P', '1']);

type Samples = Record<string, { direct: Result[]; proxy: Result[] }>;
const samples: Samples = {};
const ticks0 = machineTicks();
const cpus: Record<string, { direct: Cpu[]; proxy: Cpu[] }> = {};
console.log(`redis-benchmark -t set,get -n ${N} -c 50, ${ROUNDS} alternating rounds, interlay poolSize ${POOL}, node ${NODE_FLAGS.join(' ')}`);
for (let r = 0; r < ROUNDS; r++) {
  for (const c of configs) {
    // Alternate which side goes first so drift (other load on the machine) hits both.
    const order: ('direct' | 'proxy')[] = r % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
    for (const side of order) {
      const { res, cpu } = await measured(side === 'direct' ? redis.port : port, c.args, side === 'proxy');
      cpus[c.name] ??= { direct: [], proxy: [] };
      cpus[c.name][side].push(cpu);
      for (const [test, v] of Object.entries(res)) {
        const key = `${c.name} ${test}`;
        samples[key] ??= { direct: [], proxy: [] };
        samples[key][side].push(v);
      }
    }
  }
  process.stdout.write(`round ${r + 1}/${ROUNDS} done\n`);
}

console.log('\nconfig                 | direct rps | interlay rps | ratio | direct p99 ms | interlay p99 ms | added p99 ms');
for (const [key, s] of Object.entries(samples)) {
  const dr = median(s.direct.map((x) => x.rps));
  const pr = median(s.proxy.map((x) => x.rps));
  const dp = median(s.direct.map((x) => x.p99));
  const pp = median(s.proxy.map((x) => x.p99));
  console.log(
    `${key.padEnd(22)} | ${dr.toFixed(0).padStart(10)} | ${pr.toFixed(0).padStart(12)} | ${(pr / dr).toFixed(2).padStart(5)} | ${dp.toFixed(3).padStart(13)} | ${pp.toFixed(3).padStart(15)} | ${(pp - dp).toFixed(3).padStart(12)}`,
  );
}

console.log('\nCPU µs per request (median) | interlay | redis direct → proxied | redis-benchmark direct → proxied | total direct → proxied');
for (const [name, c] of Object.entries(cpus)) {
  const m = (side: 'direct' | 'proxy', k: keyof Cpu) => median(c[side].map((x) => x[k]));
  const td = m('direct', 'redis') + m('direct', 'client');
  const tp = m('proxy', 'proxy') + m('proxy', 'redis') + m('proxy', 'client');
  console.log(
    `${name.padEnd(27)} | ${m('proxy', 'proxy').toFixed(2).padStart(8)} | ${m('direct', 'redis').toFixed(2)} → ${m('proxy', 'redis').toFixed(2)}`.padEnd(56) +
      ` | ${m('direct', 'client').toFixed(2)} → ${m('proxy', 'client').toFixed(2)}`.padEnd(35) +
      ` | ${td.toFixed(2)} → ${tp.toFixed(2)}`,
  );
}

const stealPct = stealPercent(ticks0, machineTicks());
console.log(`\nCPU steal during the rounds: ${stealPct.toFixed(1)}% (time the VM host gave to other guests; rates are noisy when this is high)`);

// ---- 1,000 idle connections: RSS of this process (interlay + its sockets) before and after.
if (global.gc) global.gc();
await new Promise((r) => setTimeout(r, 500));
const before = process.memoryUsage().rss;
const socks: net.Socket[] = [];
// The clients live in a child process so their memory is not counted here.
const child = (await import('node:child_process')).spawn(
  process.execPath,
  ['-e', `
    const net = require('net'); const socks = [];
    let n = 0;
    for (let i = 0; i < 1000; i++) {
      const s = net.connect(${port}, '127.0.0.1', () => { s.write('PING\\r\\n'); });
      s.once('data', () => { if (++n === 1000) console.log('ready'); });
      socks.push(s);
    }
    setInterval(() => {}, 1000);
  `],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
await new Promise((r) => setTimeout(r, 1000));
if (global.gc) global.gc();
const after = process.memoryUsage().rss;
const m = interlay.metrics();
console.log(`\n1,000 idle clients: interlay connections ${m.connections.current}, RSS ${(before / 1e6).toFixed(1)} MB -> ${(after / 1e6).toFixed(1)} MB (+${((after - before) / 1e6).toFixed(1)} MB)`);
child.kill();
void socks;

await interlay.stop({ drainTimeoutMs: 1000 });
await redis.stop();
process.exit(0);
