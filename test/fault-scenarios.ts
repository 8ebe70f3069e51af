/**
 * The fault suite's scenarios (issue "Trustworthy under faults"), as functions that run one
 * fault against real redis-servers and return its figures: keys total / missing / different
 * and the time until work resumed. bench/faults.ts prints them; the integration tests
 * assert on them (lib/copy-jobs/safety.int.test.ts and lib/copy/faults.int.test.ts hold
 * the copy scenarios' regression tests, lib/interlay/backend-kill.int.test.ts the interlay's).
 *
 *   a  console kill -9 mid-copy       a console in a child process (embedded database), a
 *                                      job started in it, SIGKILL at ~40%, started again
 *   b  target kill -9 + empty restart the job must not end `completed` with keys missing
 *   c  source stall (DEBUG SLEEP 5)    TTLs on the target within the tolerance
 *   d  interlay backend kill under load clients get error replies, never hang, and recover
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { backendFor, startInterlay } from '@/lib/interlay/test-helpers';
import { seed } from '@/lib/copy-jobs/test-support';
import { RedisConnection } from '@/lib/redis';
import { compareServers } from './compare';
import { startCopyHost, type CopyHostProcess } from './copy-host-process';
import { startRedis, type RedisServer } from './redis-server';

export interface CopyFaultFigures {
  scenario: string;
  /** The job's final status. */
  status: string;
  keys: number;
  missing: number;
  /** Type, value or TTL (beyond the tolerance) differences, and keys only on the target. */
  different: number;
  /** From the end of the fault (restart, end of the stall) until the copy advanced again. */
  resumeMs: number;
}

export interface BackendKillFigures {
  scenario: string;
  ok: number;
  /** Error replies the clients got (the interlay says the backend is unavailable). */
  errors: number;
  /** Commands with no reply within `hangMs`. */
  hangs: number;
  /** From the backend's restart until every client had an OK again. */
  resumeMs: number;
  /** From the kill until the first error reply (how fast clients learn). */
  firstErrorMs: number;
}

const TTL_TOLERANCE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fill(server: RedisServer, keys: number): Promise<void> {
  const c = new RedisConnection({ host: '127.0.0.1', port: server.port });
  await c.connect();
  try {
    await seed(c, 'fault:', keys - 1);
  } finally {
    await c.close();
  }
}

/**
 * Waits until the copy advanced (its copied count moved from what the host first reports
 * after the fault: for a console started again, its first progress line) or ended; the
 * time since `since`.
 */
async function resumed(host: CopyHostProcess, id: string, since: number): Promise<number> {
  const first = host.latest.get(id) ?? (await host.until((p) => p.id === id));
  await host.until((p) => p.id === id && (p.copied !== first.copied || p.status !== 'running'));
  return Date.now() - since;
}

async function figures(scenario: string, status: string, src: RedisServer, tgt: RedisServer, resumeMs: number): Promise<CopyFaultFigures> {
  const cmp = await compareServers(src, tgt, { ttlToleranceMs: TTL_TOLERANCE_MS });
  return { scenario, status, keys: cmp.keys, missing: cmp.missing, different: cmp.type + cmp.value + cmp.ttl + cmp.extra, resumeMs };
}

/**
 * One copy job in a console of its own (child process, embedded database in a fresh
 * folder) from a filled source to an empty target; `fault` runs once the job scanned
 * ~40% and returns when the fault is over, with the host that goes on and the fault's end.
 */
async function copyScenario(
  scenario: string,
  o: { keys: number; sourceConfig?: Record<string, string> },
  fault: (ctx: { host: CopyHostProcess; id: string; src: RedisServer; tgt: RedisServer; dataDir: string; endpoints: Record<string, { host: string; port: number }> }) => Promise<{ host: CopyHostProcess; endedAt: number }>,
): Promise<CopyFaultFigures> {
  const [src, tgt] = await Promise.all([startRedis({ config: o.sourceConfig }), startRedis()]);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-suite-'));
  const hosts: CopyHostProcess[] = [];
  try {
    await fill(src, o.keys);
    const endpoints = { src: { host: '127.0.0.1', port: src.port }, dst: { host: '127.0.0.1', port: tgt.port } };
    const first = startCopyHost({ dataDir, endpoints, create: { source: 'src', targets: ['dst'], conflict_policy: 'Replace', batch_size: 500 } });
    hosts.push(first);
    const id = await first.jobId;
    await first.until((p) => p.id === id && p.scanned >= o.keys * 0.4);
    const { host, endedAt } = await fault({ host: first, id, src, tgt, dataDir, endpoints });
    if (host !== first) hosts.push(host);
    const resumeMs = await resumed(host, id, endedAt);
    const end = await host.until((p) => p.id === id && p.status !== 'running', 600_000);
    return await figures(scenario, end.status, src, tgt, resumeMs);
  } finally {
    await Promise.all(hosts.map((h) => h.stop('SIGKILL')));
    await Promise.all([src.kill(), tgt.kill()]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** (a) The console is killed with SIGKILL at ~40% and started again on the same database. */
export function consoleKill(keys: number): Promise<CopyFaultFigures> {
  return copyScenario('a console kill -9 mid-copy', { keys }, async ({ host, dataDir }) => {
    await host.stop('SIGKILL');
    const again = startCopyHost({ dataDir });
    return { host: again, endedAt: Date.now() };
  });
}

/** (b) The target is killed with SIGKILL at ~40% and restarted empty 3 s later. */
export function targetKill(keys: number): Promise<CopyFaultFigures> {
  return copyScenario('b target kill -9, empty restart', { keys }, async ({ host, tgt }) => {
    await tgt.kill();
    await sleep(3000);
    await tgt.restart();
    return { host, endedAt: Date.now() };
  });
}

/** (c) The source stalls for 5 s (DEBUG SLEEP 5) at ~40%. */
export function sourceStall(keys: number): Promise<CopyFaultFigures> {
  return copyScenario('c source stall (DEBUG SLEEP 5)', { keys, sourceConfig: { 'enable-debug-command': 'yes' } }, async ({ host, src }) => {
    const r = new Redis({ port: src.port, commandTimeout: 30_000 });
    try {
      await r.call('DEBUG', 'SLEEP', '5');
    } finally {
      r.disconnect();
    }
    return { host, endedAt: Date.now() };
  });
}

/**
 * (d) Writers through an interlay while its backend is killed with SIGKILL and restarted
 * `downMs` later. Each client counts OK and error replies; a command unanswered for
 * `hangMs` is a hang.
 */
export async function backendKill(o: { clients?: number; downMs?: number; hangMs?: number } = {}): Promise<BackendKillFigures> {
  const clients = o.clients ?? 8;
  const hangMs = o.hangMs ?? 10_000;
  const source = await startRedis();
  const interlay = await startInterlay(backendFor(source, { commandTimeoutMs: 3000 }), {}, { poolSize: 4 });
  await interlay.waitForBackend();
  const out: BackendKillFigures = { scenario: 'd interlay backend kill under load', ok: 0, errors: 0, hangs: 0, resumeMs: 0, firstErrorMs: -1 };
  let killedAt = 0;
  let restartedAt = 0;
  const lastOk: number[] = new Array(clients).fill(0);
  let stop = false;
  const conns = Array.from({ length: clients }, () => new Redis({ port: interlay.port, maxRetriesPerRequest: 0, commandTimeout: hangMs }));
  const loops = conns.map(async (r, i) => {
    for (let n = 0; !stop; n++) {
      try {
        await r.set(`w:${i}:${n % 1000}`, String(n));
        out.ok++;
        lastOk[i] = Date.now();
      } catch (e) {
        const msg = (e as Error).message;
        if (/timed out/i.test(msg)) out.hangs++;
        else {
          out.errors++;
          if (killedAt && out.firstErrorMs < 0) out.firstErrorMs = Date.now() - killedAt;
          await sleep(20); // an erroring client does not spin
        }
      }
    }
  });
  try {
    await sleep(1000);
    killedAt = Date.now();
    await source.kill();
    await sleep(o.downMs ?? 3000);
    await source.restart();
    restartedAt = Date.now();
    const deadline = restartedAt + 30_000;
    while (lastOk.some((t) => t < restartedAt) && Date.now() < deadline) await sleep(20);
    // Polled every 20 ms; -1: some client never got an OK back.
    out.resumeMs = lastOk.some((t) => t < restartedAt) ? -1 : Date.now() - restartedAt;
    await sleep(500);
  } finally {
    stop = true;
    await Promise.all(loops);
    for (const r of conns) r.disconnect();
    await interlay.stop({ drainTimeoutMs: 200 });
    await source.kill();
  }
  return out;
}
