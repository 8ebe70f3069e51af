/**
 * The runbook end to end through the API, per strategy, against real redis-servers with an
 * app-like random writer going through the interlay: prepare, review, approve, execute
 * (bulk copy + live mirroring), the strategy's traffic steps, acceptance, completion, the
 * rollback window closing. At the end source and target hold the same data
 * (test/compare.ts) and every acknowledged ledger write is on both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '@/test/api';
import { compareServers } from '@/test/compare';
import { Redis } from 'ioredis';
import { AppTraffic, Runbook, setupFor, useBench, until, type Bench } from './test-support';

const SEED = 3000;

describe('migration strategies end to end', () => {
  let b: Bench;
  const app = new AppTraffic();

  useBench(SEED, (x) => (b = x));
  afterEach(() => app.stop());

  async function expectIdentical(): Promise<void> {
    const c = await compareServers(b.source, b.target);
    expect(c, c.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(c.keys).toBeGreaterThan(SEED);
    expect(app.ledger!.acked.length).toBeGreaterThan(0);
    expect(await app.ledger!.missingOn(b.source)).toEqual([]);
    expect(await app.ledger!.missingOn(b.target)).toEqual([]);
  }

  /** Approve, start the writers, execute, wait for synced. */
  async function toSynced(setup = setupFor()): Promise<Runbook> {
    const run = await Runbook.create(b, setup);
    await run.toApproved();
    app.start(b.interlayPort, { keysPerFamily: 500, clients: 3 });
    await run.execute();
    expect(await run.stage()).toBe('dual_write');
    await run.reach('synced', 60_000);
    await app.until(1500);
    return run;
  }

  async function secondApprover(): Promise<string> {
    const user = { username: 'approver-second', password: 'password-123' };
    expect((await b.api.call('POST', '/api/v1/users', { token: ADMIN_TOKEN, body: { ...user, role: 'approver' } })).status).toBe(201);
    const login = await b.api.call('POST', '/api/v1/auth/login', { body: user });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    return (await b.api.call('POST', '/api/v1/tokens', { cookie, body: { name: 'second approver' } })).body.token;
  }

  /** Stop the writers, accept, complete, wait for the window to close. */
  async function finish(run: Runbook, completionStage: string, closingStage: string): Promise<void> {
    await app.stop();
    if ((await run.run()).state !== 'accepting') await run.accept();
    const done = await run.complete();
    expect(done.state).toBe('completed');
    expect(done.rollback_window_ends_at).toEqual(expect.any(String));
    expect(await run.stage()).toBe(completionStage);
    await run.reach('closed', 20_000);
    expect(await run.stage()).toBe(closingStage);
  }

  it('big_bang: from draft to closed with a writer running, source and target identical', async () => {
    const run = await toSynced();
    const moved = await run.traffic({ step: 1 });
    expect(moved).toMatchObject({ state: 'shifting', traffic: { current_step: 1, stage: 'target_primary' } });
    await app.until(3000);
    // Acceptance while the application keeps writing: differences that are writes in flight are re-checked away.
    await run.accept();
    expect((await run.call('GET', '/acceptance', b.viewer)).body).toMatchObject({ differences: 0, met: true, confirmed_by: expect.stringMatching(/^operator/) });
    const metrics = (await run.call('GET', '/metrics', b.viewer)).body;
    expect(metrics.copy).toMatchObject({ status: 'completed', percent: 100, eta_s: 0 });
    expect(metrics.interlay.sides.map((s: { name: string; role: string }) => `${s.name}:${s.role}`)).toEqual(['source:secondary', 'target:primary']);
    expect(metrics.error_keys).toMatchObject({ unresolved: 0 });
    expect((await run.call('GET', '/error-keys', b.viewer)).body).toMatchObject({ items: [] });
    const csv = await run.call('GET', '/error-keys?format=csv', b.viewer);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    await finish(run, 'target_primary', 'target');
    await expectIdentical();
    const history = (await run.call('GET', '/transitions', b.viewer)).body.transitions.map((t: { to: string }) => t.to);
    expect(history).toEqual(['setup_submitted', 'preparing', 'awaiting_review', 'approved', 'executing', 'synced', 'shifting', 'accepting', 'completed', 'closed']);
  });

  it('canary: read percentages step by step, one step at a time unless forced, then the cutover', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'canary', read_percentage: [10, 50] } }));
    expect((await run.run()).traffic.steps.map((s) => `${s.stage}${s.canary_percent ?? ''}`)).toEqual(['dual_write', 'canary10', 'canary50', 'target_primary']);
    expect(await run.traffic({ stage: 'canary', percentage: 10 })).toMatchObject({ state: 'shifting', traffic: { current_step: 1 } });
    const routing = await b.api.call('GET', '/api/v1/interlays/live/routing', { token: b.viewer });
    expect(routing.body).toMatchObject({ stage: 'canary', canary_percent: 10 });
    const jump = await run.call('POST', '/traffic', b.operator, { step: 3 });
    expect(jump.status).toBe(409);
    expect(jump.body.error.message).toMatch(/not next to the current step 1/);
    const unknown = await run.call('POST', '/traffic', b.operator, { stage: 'canary', percentage: 30 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toBe('percentage');
    await run.traffic({ step: 2 });
    await app.until(2500);
    await run.traffic({ step: 1 }); // back one step is always allowed
    await run.traffic({ step: 2 });
    await run.traffic({ step: 3 });
    await app.until(3500);
    await finish(run, 'target_primary', 'target');
    await expectIdentical();
  });

  it('blue_green: the active side switches to the new one; completion needs a second approver', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'blue_green', active_is_new: true }, completion_second_approver: true }));
    await run.traffic({ stage: 'target_primary' });
    await app.until(3000);
    await app.stop();
    await run.accept();
    const early = await run.call('POST', '/complete', b.operator, {});
    expect(early.status).toBe(409);
    expect(early.body.error.message).toMatch(/second approver/);
    expect((await run.call('POST', '/approve-completion', b.approver)).status).toBe(403); // approved the execution
    const second = await secondApprover();
    const ok = await run.call('POST', '/approve-completion', second);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.completion_approved_by).toBe('approver-second');
    await finish(run, 'target_primary', 'target');
    await expectIdentical();
  });

  it('a run keeps its interlay and endpoints until closed; an operator may end the rollback window early', async () => {
    const run = await toSynced(setupFor({ rollback_window: { minutes: 30 } }));
    await run.traffic({ step: 1 });
    await app.stop();
    await run.accept();
    expect((await run.complete()).state).toBe('completed');
    // The rollback needs the source and the interlay: neither may be deleted while the window is open.
    const endpoint = await b.api.call('DELETE', '/api/v1/endpoints/src', { token: ADMIN_TOKEN });
    expect(endpoint.status).toBe(409);
    expect(endpoint.body.error.details.used_by).toContainEqual({ type: 'migration', id: run.id });
    expect((await b.api.call('POST', '/api/v1/interlays/live/stop', { token: ADMIN_TOKEN, body: { drain_timeout_ms: 0 } })).status).toBe(200);
    const interlay = await b.api.call('DELETE', '/api/v1/interlays/live', { token: ADMIN_TOKEN });
    expect(interlay.status).toBe(409);
    expect(interlay.body.error.message).toMatch(new RegExp(`used by migration ${run.id}`));
    expect((await b.api.call('POST', '/api/v1/interlays/live/start', { token: ADMIN_TOKEN })).status).toBe(200);

    expect((await run.call('POST', '/close', b.viewer, { reason: 'x' })).status).toBe(403);
    expect((await run.call('POST', '/close', b.operator, {})).body.error.issues[0].path).toBe('reason');
    const closed = await run.call('POST', '/close', b.operator, { reason: 'the target has served a day without trouble' });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    expect(closed.body.state).toBe('closed');
    expect(await run.stage()).toBe('target');
    const last = (await run.call('GET', '/transitions', b.viewer)).body.transitions.at(-1);
    expect(last).toMatchObject({ to: 'closed', reason: 'the rollback window was ended early: the target has served a day without trouble' });
    expect((await run.call('POST', '/rollback', b.operator, { reason: 'too late' })).status).toBe(409);
    expect((await run.call('POST', '/close', b.operator, { reason: 'again' })).status).toBe(409);
    const free = await b.api.call('DELETE', '/api/v1/endpoints/src', { token: ADMIN_TOKEN });
    expect(free.body.error.details.used_by).not.toContainEqual({ type: 'migration', id: run.id });
  });

  it('shadow: reads are compared on the target, never served; completion leaves the source serving', async () => {
    const run = await toSynced(setupFor({ strategy: { type: 'shadow', sample_rate: 0.5 } }));
    await run.traffic({ stage: 'shadow' });
    await app.until(3000);
    // The writer only writes: an application's reads, some of them compared on the target.
    const reader = new Redis({ host: '127.0.0.1', port: b.interlayPort });
    for (let i = 0; i < 400; i += 4) expect(await reader.get(`seed:s:${i}`)).toBe(`v${i}`);
    reader.disconnect();
    const m = await until(async () => {
      const r = await run.call('GET', '/metrics', b.viewer);
      return r.body.divergence?.shadow_compared > 0 ? r : null;
    }, 'shadow reads compared');
    expect(m.body.interlay).toMatchObject({ stage: 'shadow' });
    expect(m.body.interlay.sides.find((s: { name: string }) => s.name === 'source').role).toBe('primary');
    await finish(run, 'shadow', 'source');
    await expectIdentical();
  });
});
