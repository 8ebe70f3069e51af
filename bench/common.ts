/**
 * What the benchmarks share: command-line numbers, redis-benchmark runs, CPU accounting
 * from /proc (the proxy's own cost and that of every process, per request) and medians.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

export function argText(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface Result {
  rps: number;
  p99: number;
}

const TICK_US = 1e6 / 100; // USER_HZ

/** Machine-wide CPU ticks (all, steal) from /proc/stat: steal is time a VM's host gave to others. */
export function machineTicks(): { total: number; steal: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
}

/** utime+stime (and cutime+cstime: reaped children) of a process, in µs. */
export function procCpu(pid: number | 'self'): { own: number; children: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name: state(0) ... utime(11) stime(12) cutime(13) cstime(14).
  return { own: (Number(f[11]) + Number(f[12])) * TICK_US, children: (Number(f[13]) + Number(f[14])) * TICK_US };
}

/** redis-benchmark --csv: one line per test, "test","rps","avg","min","p50","p95","p99","max". */
export async function redisBenchmark(port: number, n: number, extra: string[]): Promise<Record<string, Result>> {
  const { stdout } = await run('redis-benchmark', ['-p', String(port), '-t', 'set,get', '-n', String(n), '-c', '50', '--csv', ...extra], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const out: Record<string, Result> = {};
  for (const line of stdout.trim().split('\n').slice(1)) {
    const cols = line.split(',').map((c) => c.replace(/"/g, ''));
    out[cols[0]] = { rps: Number(cols[1]), p99: Number(cols[6]) };
  }
  return out;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Percentage of machine CPU time stolen by the VM's host between two readings. */
export function stealPercent(a: { total: number; steal: number }, b: { total: number; steal: number }): number {
  return (100 * (b.steal - a.steal)) / Math.max(1, b.total - a.total);
}
