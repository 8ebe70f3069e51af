/**
 * Live-path benchmark: redis-benchmark (SET + GET, -c 50) directly against the source, through
 * an interlay in stage `source` (passthrough), and through the same interlay in
 * `dual_write` (every SET replayed on a second redis-server), alternating in one run; prints
 * the medians, dual_write / passthrough and dual_write / direct, the mirror lag under that
 * load (sampled every 50 ms), and the interlay's CPU per mirrored write.
 *
 *   npx tsx bench/mirror.ts [--rounds 3] [--n 200000] [--only "-P 16"]
 *
 * Never touches the Redis on 6379.
 */
import { freePort, startRedis } from '@/test/redis-server';
import { ensureNodeFlags, NODE_FLAGS } from '../scripts/node-flags.mjs';
import { arg, argText, machineTicks, median, procCpu, redisBenchmark, stealPercent, type Result } from './common';

await ensureNodeFlags();
import { createLogger } from '@/lib/logger';

const { Interlay } = await import('@/lib/interlay');

const ROUNDS = arg('rounds', 3);
const N = arg('n', 200_000);
const ONLY = argText('only');

const [source, target] = await Promise.all([startRedis(), startRedis()]);
const backend = (port: number) => ({ host: '127.0.0.1', port, tls: false, db: 0, protocol: 2 as const, connectTimeoutMs: 5000, commandTimeoutMs: 30_000 });
const port = await freePort();
const interlay = new Interlay({
  id: 'bench-mirror',
  port,
  poolSize: 1,
  backend: backend(source.port),
  // redis-benchmark does not AUTH: the loopback opt-out the product requires for that.
  settings: { bind_address: '127.0.0.1', max_concurrent_connections: 5000, idle_timeout_s: 0, allow_unauthenticated: true },
  log: createLogger({ level: 'warn' }),
});
await interlay.start();
await interlay.waitForBackend();

const spec = (stage: 'source' | 'dual_write') => ({
  stage,
  policy: 'SourceAuthoritative' as const,
  target: backend(target.port),
  mirrors: [],
  canaryPercent: 0,
  shadowSampleRate: 0,
});

type Side = 'direct' | 'source' | 'dual_write';
const configs = [
  { name: '-P 1', args: ['-P', '1'] },
  { name: '-P 16', args: ['-P', '16'] },
].filter((c) => ONLY === undefined || c.name === ONLY);

/** One run on a side, with the interlay's CPU per request and the highest mirror lag seen. */
async function measured(side: Side, args: string[]): Promise<{ res: Record<string, Result>; proxyCpu: number; targetCpu: number; lagMs: number }> {
  if (side !== 'direct') await interlay.setRouting(spec(side));
  let lagMs = 0;
  const sampler = setInterval(() => {
    for (const l of interlay.metrics().mirror.links) lagMs = Math.max(lagMs, l.lag_ms);
  }, 50);
  const self0 = process.cpuUsage();
  const target0 = procCpu(target.pid).own;
  const res = await redisBenchmark(side === 'direct' ? source.port : port, N, args);
  const self1 = process.cpuUsage(self0);
  clearInterval(sampler);
  if (side === 'dual_write') await interlay.waitMirrorDrained(60_000);
  const requests = N * Object.keys(res).length;
  return {
    res,
    proxyCpu: side === 'direct' ? 0 : (self1.user + self1.system) / requests,
    targetCpu: (procCpu(target.pid).own - target0) / requests,
    lagMs,
  };
}

// Warm-up (not measured): both stages, so V8 has optimised both paths.
for (const stage of ['source', 'dual_write'] as const) {
  await interlay.setRouting(spec(stage));
  await redisBenchmark(port, N, ['-P', '16']);
}

const samples: Record<string, Record<Side, Result[]>> = {};
const cpu: Record<string, Record<Side, number[]>> = {};
const lags: Record<string, number[]> = {};
const ticks0 = machineTicks();
console.log(`redis-benchmark -t set,get -n ${N} -c 50, ${ROUNDS} rounds of direct / interlay source / interlay dual_write, node ${NODE_FLAGS.join(' ')}`);
for (let r = 0; r < ROUNDS; r++) {
  for (const c of configs) {
    const sides: Side[] = r % 2 === 0 ? ['direct', 'source', 'dual_write'] : ['dual_write', 'source', 'direct'];
    for (const side of sides) {
      const m = await measured(side, c.args);
      (cpu[c.name] ??= { direct: [], source: [], dual_write: [] })[side].push(m.proxyCpu);
      if (side === 'dual_write') (lags[c.name] ??= []).push(m.lagMs);
      for (const [test, v] of Object.entries(m.res)) (samples[`${c.name} ${test}`] ??= { direct: [], source: [], dual_write: [] })[side].push(v);
    }
  }
  console.log(`round ${r + 1}/${ROUNDS} done`);
}

console.log('\nconfig       | direct rps | source rps | dual_write rps | dual/source | dual/direct | p99 ms direct / source / dual');
for (const [key, s] of Object.entries(samples)) {
  const rps = (side: Side) => median(s[side].map((x) => x.rps));
  const p99 = (side: Side) => median(s[side].map((x) => x.p99)).toFixed(2);
  console.log(
    `${key.padEnd(12)} | ${rps('direct').toFixed(0).padStart(10)} | ${rps('source').toFixed(0).padStart(10)} | ${rps('dual_write').toFixed(0).padStart(14)} | ${(rps('dual_write') / rps('source')).toFixed(2).padStart(11)} | ${(rps('dual_write') / rps('direct')).toFixed(2).padStart(11)} | ${p99('direct')} / ${p99('source')} / ${p99('dual_write')}`,
  );
}
console.log('\nconfig | interlay CPU µs/request source → dual_write | µs per mirrored write (SET is half the requests) | max mirror lag ms (median over rounds)');
for (const [name, c] of Object.entries(cpu)) {
  const s = median(c.source);
  const d = median(c.dual_write);
  console.log(`${name.padEnd(6)} | ${s.toFixed(2)} → ${d.toFixed(2)} | ${(2 * (d - s)).toFixed(2)} | ${median(lags[name] ?? []).toFixed(0)}`);
}
console.log(`\nCPU steal during the rounds: ${stealPercent(ticks0, machineTicks()).toFixed(1)}%`);

await interlay.stop({ drainTimeoutMs: 1000 });
await Promise.all([source.stop(), target.stop()]);
process.exit(0);
