/**
 * The workflow's integration-test bench: a console context on a test database, real
 * source/target (and mirror) redis-servers, their endpoints, a started interlay in front of
 * the source, tokens per role, and the runbook's steps as small helpers over the API.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { ADMIN_TOKEN, startTestApi, type ApiResponse, type TestApi } from '@/test/api';
import type { DbKind } from '@/test/db';
import { RandomWriter } from '@/test/random-writer';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';
import type { MigrationSetupInput, RunView } from './schema';
import type { RunState } from './state';

export const OPEN = { allow_unauthenticated: { acknowledged: true, reason: 'test clients connect without AUTH' } };

export interface Bench {
  api: TestApi;
  source: RedisServer;
  target: RedisServer;
  mirror?: RedisServer;
  interlayPort: number;
  operator: string;
  approver: string;
  viewer: string;
}

export async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startBench(kind: DbKind, opts: { mirror?: boolean; servers?: { source: RedisServer; target: RedisServer; mirror?: RedisServer } } = {}): Promise<Bench> {
  const servers = opts.servers ?? { source: await startRedis(), target: await startRedis(), ...(opts.mirror ? { mirror: await startRedis() } : {}) };
  const api = await startTestApi(kind);
  const eps: [string, RedisServer | undefined][] = [['src', servers.source], ['dst', servers.target], ['mir', servers.mirror]];
  for (const [name, r] of eps) {
    if (!r) continue;
    const ep = await api.call('POST', '/api/v1/endpoints', { token: ADMIN_TOKEN, body: { endpoint: name, config: { target: { host: r.host, port: r.port } } } });
    expect(ep.status).toBe(201);
  }
  const interlayPort = await freePort();
  const il = await api.call('POST', '/api/v1/interlays', { token: ADMIN_TOKEN, body: { id: 'live', endpoint: 'src', port: interlayPort, start: true, settings: OPEN } });
  expect(il.body.status).toBe('listening');
  return { api, ...servers, interlayPort, operator: await api.tokenFor('operator'), approver: await api.tokenFor('approver'), viewer: await api.tokenFor('viewer') };
}

/**
 * One bench for a test file (embedded database): started before all tests, closed after,
 * reset (servers emptied and seeded, the interlay at source) before each. `onBench` gets it.
 */
export function useBench(seedKeys: number, onBench: (b: Bench) => void, opts: { beforeClose?: () => Promise<void> } = {}): void {
  let b: Bench | undefined;
  beforeAll(async () => {
    b = await startBench('embedded');
    onBench(b);
  });
  afterAll(async () => {
    await opts.beforeClose?.();
    await b?.api.close();
    await Promise.all([b?.source.stop(), b?.target.stop(), b?.mirror?.stop()]);
  });
  beforeEach(async () => {
    await resetBench(b!, seedKeys);
  });
}

/** Between tests on one bench: both servers empty, the interlay back at source (forced: it may be at target). */
export async function resetBench(b: Bench, seedKeys: number): Promise<void> {
  const r = await b.api.call('PUT', '/api/v1/interlays/live/routing', { token: ADMIN_TOKEN, body: { stage: 'source', force: true, reason: 'test reset' } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  for (const s of [b.source, b.target, b.mirror]) s?.cli('FLUSHALL');
  await fill(b.source, seedKeys);
}

/** Acknowledged writes through the interlay, each to its own key: after a migration or a rollback the source must hold every one. */
export class Ledger {
  private readonly conn: Redis;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  readonly acked: number[] = [];

  constructor(port: number) {
    this.conn = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0 });
    this.conn.on('error', () => undefined);
  }

  start(): this {
    this.loop = (async () => {
      for (let i = 0; !this.stopped; i++) {
        try {
          if ((await this.conn.set(`ledger:${i}`, String(i))) === 'OK') this.acked.push(i);
        } catch {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.conn.disconnect();
  }

  /** The acknowledged ledger keys missing on a server. */
  async missingOn(r: RedisServer): Promise<number[]> {
    const c = new Redis({ host: r.host, port: r.port });
    try {
      const out: number[] = [];
      for (let i = 0; i < this.acked.length; i += 1000) {
        const chunk = this.acked.slice(i, i + 1000);
        const vals = await c.mget(chunk.map((n) => `ledger:${n}`));
        vals.forEach((v, j) => {
          if (v !== String(chunk[j])) out.push(chunk[j]!);
        });
      }
      return out;
    } finally {
      c.disconnect();
    }
  }
}

/**
 * An application through the interlay: the random writer (every kind of write) and the
 * ledger (acknowledged writes to check for afterwards). One per test file; stopping is
 * idempotent and asserts the writer saw no failure of the interlay.
 */
export class AppTraffic {
  private writer?: RandomWriter;
  ledger?: Ledger;

  start(port: number, opts: { keysPerFamily: number; clients: number }): void {
    this.writer = new RandomWriter({ port, ...opts }).start();
    this.ledger = new Ledger(port).start();
  }

  /** Resolves once the writer has `n` operations answered. */
  until(n: number): Promise<void> {
    return this.writer!.until(n);
  }

  async stop(): Promise<void> {
    const stats = await this.writer?.stop();
    await this.ledger?.stop();
    this.writer = undefined;
    expect(stats?.failures ?? []).toEqual([]);
  }
}

/** Fills a server with `n` keys of several types (some with TTLs). */
export async function fill(r: RedisServer, n: number, prefix = 'seed'): Promise<void> {
  const c = new Redis({ host: r.host, port: r.port });
  try {
    for (let i = 0; i < n; i += 500) {
      const p = c.pipeline();
      for (let j = i; j < Math.min(n, i + 500); j++) {
        if (j % 4 === 0) p.set(`${prefix}:s:${j}`, `v${j}`);
        else if (j % 4 === 1) p.hset(`${prefix}:h:${j}`, 'a', String(j), 'b', 'x');
        else if (j % 4 === 2) p.rpush(`${prefix}:l:${j}`, 'a', 'b', String(j));
        else p.set(`${prefix}:t:${j}`, 'ttl', 'EX', 3600);
      }
      await p.exec();
    }
  } finally {
    c.disconnect();
  }
}

export function setupFor(overrides: Partial<MigrationSetupInput> = {}): MigrationSetupInput {
  return { source: 'src', target: 'dst', interlay: 'live', strategy: { type: 'big_bang' }, rollback_window: { seconds: 2 }, acceptance: { max_mirror_lag_ms: 5000 }, ...overrides };
}

export class Runbook {
  constructor(
    readonly b: Bench,
    readonly id: string,
  ) {}

  static async create(b: Bench, setup: MigrationSetupInput, name = 'test run'): Promise<Runbook> {
    const r = await b.api.call('POST', '/api/v1/migrations', { token: b.operator, body: { name, setup } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.state).toBe('setup_submitted');
    return new Runbook(b, r.body.id);
  }

  call<T = any>(method: string, sub: string, token: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.b.api.call(method, `/api/v1/migrations/${this.id}${sub}`, { token, body });
  }

  async run(): Promise<RunView> {
    return (await this.call<RunView>('GET', '', this.b.viewer)).body;
  }

  async reach(state: RunState, timeoutMs = 30_000): Promise<RunView> {
    return until(async () => {
      const r = await this.run();
      if (r.state === 'failed' && state !== 'failed') throw new Error(`the run failed: ${r.failure?.reason}`);
      return r.state === state ? r : undefined;
    }, `state ${state}`, timeoutMs);
  }

  /** Prepare, acknowledge every warning (the approver), approve. */
  async toApproved(): Promise<void> {
    expect((await this.call('POST', '/prepare', this.b.operator)).status).toBe(202);
    await this.reach('awaiting_review', 60_000);
    const checks = (await this.call('GET', '/checks', this.b.viewer)).body;
    for (const f of checks.findings) {
      if (f.severity === 'warning' && !f.acknowledged) {
        const ack = await this.call('POST', `/findings/${f.check}/acknowledge`, this.b.approver, { notes: 'accepted for the test' });
        expect(ack.status, JSON.stringify(ack.body)).toBe(200);
      }
    }
    const ok = await this.call('POST', '/approve', this.b.approver, { note: 'looks good' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.state).toBe('approved');
  }

  async execute(): Promise<void> {
    const r = await this.call('POST', '/execute', this.b.operator);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  }

  async traffic(body: Record<string, unknown>): Promise<RunView> {
    const r = await this.call('POST', '/traffic', this.b.operator, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }

  /** Verification, then the operator's confirmation → accepting. */
  async accept(): Promise<void> {
    expect((await this.call('POST', '/acceptance', this.b.operator, { action: 'verify' })).status).toBe(200);
    await until(async () => (await this.call('GET', '/acceptance', this.b.viewer)).body.verification_status === 'completed', 'the verification', 60_000);
    const c = await this.call('POST', '/acceptance', this.b.operator, { action: 'confirm' });
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect((await this.run()).state).toBe('accepting');
  }

  async complete(): Promise<RunView> {
    const r = await this.call('POST', '/complete', this.b.operator, {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }

  async stage(): Promise<string> {
    return (await this.b.api.call('GET', '/api/v1/interlays/live/routing', { token: this.b.viewer })).body.stage;
  }
}
