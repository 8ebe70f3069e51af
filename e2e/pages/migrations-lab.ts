/**
 * The world a migration spec runs in, seeded through the API: a source and a target
 * redis-server of the spec's own (the source filled with app-like data), their endpoints,
 * an interlay in front of the source that serves clients without AUTH on loopback (the
 * writer's way in), and an operator, an approver and a viewer who sign in through the browser.
 * `down()` removes everything, also after a failed assertion.
 */
import { expect, type APIRequest, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { freePort, startRedis, type RedisServer } from '../../test/redis-server';
import { ADMIN_TOKEN, BASE_URL } from '../env';
import type { MigrationSetupInput, RunView, ChecksView } from '../../lib/workflow/schema';
import { LoginPage } from './login';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

export interface LabUser {
  username: string;
  password: string;
}

export class MigrationLab {
  src!: RedisServer;
  tgt!: RedisServer;
  interlayPort = 0;
  readonly source: string;
  readonly target: string;
  readonly interlay: string;
  readonly operator: LabUser;
  readonly approver: LabUser;
  readonly viewer: LabUser;
  private readonly runs: string[] = [];
  /** The admin's API client, for seeding and clean-up; the lab's own, so it outlives any one hook. */
  private request!: APIRequestContext;

  constructor(
    private readonly playwright: { request: APIRequest },
    readonly suffix: string,
  ) {
    this.source = `mig-src-${suffix}`;
    this.target = `mig-tgt-${suffix}`;
    this.interlay = `mig-il-${suffix}`;
    this.operator = { username: `mig-operator-${suffix}`, password: 'operator-password-1' };
    this.approver = { username: `mig-approver-${suffix}`, password: 'approver-password-1' };
    this.viewer = { username: `mig-viewer-${suffix}`, password: 'viewer-password-1' };
  }

  async up(): Promise<void> {
    this.request = await this.playwright.request.newContext({ baseURL: BASE_URL, storageState: { cookies: [], origins: [] } });
    [this.src, this.tgt] = await Promise.all([startRedis(), startRedis()]);
    this.seedSource();
    for (const [name, s] of [[this.source, this.src], [this.target, this.tgt]] as const) {
      const r = await this.request.post('/api/v1/endpoints', { headers: auth, data: { endpoint: name, config: { read_conn: { host: s.host, port: s.port }, write_conn: { host: s.host, port: s.port } } } });
      expect(r.status(), await r.text()).toBe(201);
    }
    this.interlayPort = await freePort();
    const il = await this.request.post('/api/v1/interlays', {
      headers: auth,
      data: { id: this.interlay, endpoint: this.source, port: this.interlayPort, start: true, settings: { allow_unauthenticated: { acknowledged: true, reason: 'e2e app-like writer on loopback' } } },
    });
    expect(il.status(), await il.text()).toBe(201);
    for (const [u, role] of [[this.operator, 'operator'], [this.approver, 'approver'], [this.viewer, 'viewer']] as const) {
      const r = await this.request.post('/api/v1/users', { headers: auth, data: { username: u.username, password: u.password, role } });
      expect(r.status(), await r.text()).toBe(201);
    }
  }

  /** A few hundred keys of every common type in db 0, some with a TTL; one of them on the target too. */
  private seedSource(): void {
    const args: string[] = [];
    for (let i = 0; i < 200; i++) args.push(`user:${i}:name`, `name-${i}`);
    this.src.cli('MSET', ...args);
    for (let i = 0; i < 40; i++) {
      this.src.cli('HSET', `profile:${i}`, 'email', `u${i}@example.com`, 'plan', i % 3 ? 'free' : 'pro');
      this.src.cli('RPUSH', `queue:${i % 5}`, `job-${i}`);
      this.src.cli('SADD', `tags:${i % 7}`, `t${i}`);
      this.src.cli('ZADD', 'leaderboard', String(i * 10), `player-${i}`);
    }
    for (let i = 0; i < 20; i++) this.src.cli('SET', `session:${i}`, `token-${i}`, 'EX', '3600');
    this.src.cli('XADD', 'events', '*', 'kind', 'signup', 'user', '1');
    // One key the target already holds, with the source's value: prepare warns "target not
    // empty" (an approver acknowledges it), and the copy's Replace leaves the sides identical.
    this.src.cli('SET', 'config:shared', 'v1');
    this.tgt.cli('SET', 'config:shared', 'v1');
  }

  /** Signs a user in through the login page, in a browser context of its own. */
  async signIn(browser: Browser, user: LabUser): Promise<Page> {
    const ctx = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await ctx.newPage();
    const login = new LoginPage(page);
    await login.goto('/migrations');
    await login.signIn(user.username, user.password);
    await expect(page).toHaveURL(/\/migrations$/);
    return page;
  }

  /** An API client signed in as `user` (a session cookie, like the browser). */
  async apiAs(user: LabUser): Promise<APIRequestContext> {
    const ctx = await this.playwright.request.newContext({ baseURL: BASE_URL, storageState: { cookies: [], origins: [] } });
    const r = await ctx.post('/api/v1/auth/login', { data: { username: user.username, password: user.password } });
    expect(r.status(), await r.text()).toBeLessThan(300);
    return ctx;
  }

  /** A JSON call as `ctx`'s user that must succeed. */
  async call<T>(ctx: APIRequestContext, method: 'GET' | 'POST' | 'PUT', path: string, data?: unknown): Promise<T> {
    const r = await ctx.fetch(`/api/v1${path}`, { method, data });
    expect(r.ok(), `${method} ${path}: ${r.status()} ${await r.text()}`).toBe(true);
    return (await r.json()) as T;
  }

  async waitRun(ctx: APIRequestContext, id: string, state: RunView['state'], timeout = 120_000): Promise<RunView> {
    await expect.poll(async () => (await this.call<RunView>(ctx, 'GET', `/migrations/${id}`)).state, { timeout, message: `run ${id} never reached ${state}` }).toBe(state);
    return this.call<RunView>(ctx, 'GET', `/migrations/${id}`);
  }

  /**
   * Seeds an approved run through the API: created and set up by the operator, prepared,
   * its warnings acknowledged and approved by the approver. Returns the run's id.
   */
  async seedApproved(op: APIRequestContext, ap: APIRequestContext, name: string, setup: MigrationSetupInput): Promise<string> {
    const run = await this.call<RunView>(op, 'POST', '/migrations', { name, setup });
    this.track(run.id);
    await this.call(op, 'POST', `/migrations/${run.id}/prepare`, {});
    await this.waitRun(op, run.id, 'awaiting_review');
    const checks = await this.call<ChecksView>(ap, 'GET', `/migrations/${run.id}/checks`);
    for (const f of checks.findings.filter((f) => f.severity === 'warning' && !f.acknowledged)) {
      await this.call(ap, 'POST', `/migrations/${run.id}/findings/${f.check}/acknowledge`, { notes: 'reviewed for the e2e run' });
    }
    await this.call(ap, 'POST', `/migrations/${run.id}/approve`, {});
    return run.id;
  }

  /** Executes an approved run until in sync, then moves its traffic step by step up to `stage`. */
  async executeTo(op: APIRequestContext, id: string, stage: string): Promise<RunView> {
    await this.call(op, 'POST', `/migrations/${id}/execute`, {});
    let view = await this.waitRun(op, id, 'synced');
    while (view.traffic.stage !== stage) {
      const next = (view.traffic.current_step ?? -1) + 1;
      expect(next, `the plan has no step at ${stage}: ${JSON.stringify(view.traffic.steps)}`).toBeLessThan(view.traffic.steps.length);
      view = await this.call<RunView>(op, 'POST', `/migrations/${id}/traffic`, { step: next });
    }
    return view;
  }

  /** Runs created by the spec, closed or deleted on `down()`. */
  track(runId: string): void {
    this.runs.push(runId);
  }

  async down(): Promise<void> {
    try {
      await this.closeRuns();
      await this.request.post(`/api/v1/interlays/${this.interlay}/stop`, { headers: auth, data: { drain_timeout_ms: 0 } });
      const gone = await this.request.delete(`/api/v1/interlays/${this.interlay}`, { headers: auth });
      expect(gone.ok(), await gone.text()).toBe(true);
      for (const u of [this.operator, this.approver, this.viewer]) await this.request.delete(`/api/v1/users/${u.username}`, { headers: auth });
      for (const e of [this.source, this.target]) await this.request.delete(`/api/v1/endpoints/${e}`, { headers: auth });
    } finally {
      await Promise.all([this.src?.stop(), this.tgt?.stop()]);
      await this.request.dispose();
    }
  }

  /**
   * A run counts on its interlay and endpoints until it is closed (deleting them is refused
   * before): roll back what still moves data, then close or cancel every run.
   */
  private async closeRuns(): Promise<void> {
    const stateOf = async (id: string) => ((await (await this.request.get(`/api/v1/migrations/${id}`, { headers: auth })).json()) as RunView).state;
    for (const id of this.runs) {
      let state = await stateOf(id);
      if (state === 'draft') {
        await this.request.delete(`/api/v1/migrations/${id}`, { headers: auth });
        continue;
      }
      if (!['completed', 'rolled_back', 'rolling_back', 'closed'].includes(state)) {
        await this.request.post(`/api/v1/migrations/${id}/cancel`, { headers: auth, data: { reason: 'e2e clean-up' } });
        state = await stateOf(id);
        if (state !== 'closed') await this.request.post(`/api/v1/migrations/${id}/rollback`, { headers: auth, data: { reason: 'e2e clean-up' } });
      }
      await expect.poll(() => stateOf(id), { timeout: 60_000, message: `run ${id} never settled for clean-up` }).toMatch(/^(completed|rolled_back|closed)$/);
      if ((await stateOf(id)) !== 'closed') {
        const r = await this.request.post(`/api/v1/migrations/${id}/close`, { headers: auth, data: { reason: 'e2e clean-up' } });
        // The host may have closed it meanwhile (its window ended).
        if (!r.ok()) expect(await stateOf(id), await r.text()).toBe('closed');
      }
    }
  }
}
