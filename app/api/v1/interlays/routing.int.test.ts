/**
 * The live path through the API: GET/PUT /interlays/{id}/routing against real redis-servers
 * (source and target) and a real interlay; moves that need a synced target are refused
 * without force, forced ones are recorded, the stage survives a console restart, and the
 * roles are enforced.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@/lib/config';
import { FramedClient } from '@/lib/interlay/test-helpers';
import { createLogger } from '@/lib/logger';
import { registerContext } from '@/server/api/context';
import { createContext, type ServerContext } from '@/server/context';
import { ADMIN_TOKEN, startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';

const OPEN = { allow_unauthenticated: { acknowledged: true, reason: 'test clients connect without AUTH' } };

async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(await dbKinds())('interlay routing API on %s', (kind) => {
  let source: RedisServer;
  let target: RedisServer;
  let api: TestApi;
  let port: number;
  const clients: FramedClient[] = [];

  beforeAll(async () => {
    [source, target] = await Promise.all([startRedis(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
  });
  beforeEach(async () => {
    source.cli('FLUSHALL');
    target.cli('FLUSHALL');
    api = await startTestApi(kind);
    for (const [name, r] of [['src', source], ['dst', target]] as const) {
      const ep = await api.call('POST', '/api/v1/endpoints', { token: ADMIN_TOKEN, body: { endpoint: name, config: { target: { host: r.host, port: r.port } } } });
      expect(ep.status).toBe(201);
    }
    port = await freePort();
    const il = await api.call('POST', '/api/v1/interlays', { token: ADMIN_TOKEN, body: { id: 'live', endpoint: 'src', port, start: true, settings: OPEN } });
    expect(il.body.status).toBe('listening');
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await api.close();
  });

  const put = (body: Record<string, unknown>, token = ADMIN_TOKEN) => api.call('PUT', '/api/v1/interlays/live/routing', { token, body });

  it('moves through the stages, refuses unsynced moves without force, records forced ones, and checks roles and input', async () => {
    const initial = await api.call('GET', '/api/v1/interlays/live/routing', { token: ADMIN_TOKEN });
    expect(initial.body).toMatchObject({ stage: 'source', policy: 'SourceAuthoritative', target: null, mirrors: [], sync: { in_sync: false } });

    const viewer = await api.tokenFor('viewer');
    expect((await put({ stage: 'dual_write', target: 'dst' }, viewer)).status).toBe(403);
    const noTarget = await put({ stage: 'dual_write' });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.error.issues).toEqual([{ path: 'target', message: 'stage dual_write needs a target endpoint' }]);
    expect((await put({ stage: 'dual_write', target: 'src' })).body.error.issues[0]).toMatchObject({ path: 'target' });
    expect((await put({ stage: 'dual_write', target: 'nope' })).body.error.issues[0]).toMatchObject({ path: 'target' });
    expect((await put({ stage: 'bogus', target: 'dst' })).status).toBe(400);

    const dual = await put({ stage: 'dual_write', target: 'dst' });
    expect(dual.status).toBe(200);
    expect(dual.body).toMatchObject({ stage: 'dual_write', target: 'dst', updated_by: 'admin' });
    expect(dual.body.mirroring_since).toEqual(expect.any(String));

    // Writes reach the target.
    const c = new FramedClient(port);
    clients.push(c);
    expect(await c.call('SET', 'routed', 'yes')).toBe('+OK\r\n');
    await until(async () => target.cli('GET', 'routed').trim() === 'yes', 'the mirrored write');

    // No copy job has filled the target: serving from it needs force, and a reason.
    const refused = await put({ stage: 'target_primary' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/not known to be in sync .*no copy job/);
    expect((await put({ stage: 'target_primary', force: true })).body.error.issues).toEqual([{ path: 'reason', message: 'say why the move is forced' }]);
    const forced = await put({ stage: 'target_primary', force: true, reason: 'target seeded from a backup' });
    expect(forced.status).toBe(200);
    expect(forced.body.forced).toMatchObject({ reason: 'target seeded from a backup', by: 'admin', from: 'dual_write', to: 'target_primary' });
    const m = await api.call('GET', '/api/v1/interlays/live/metrics', { token: ADMIN_TOKEN });
    expect(m.body.routing.stage).toBe('target_primary');
    expect(m.body.upstreams.map((u: { name: string; role: string }) => [u.name, u.role])).toEqual([
      ['source', 'secondary'],
      ['target', 'primary'],
    ]);

    // A rollback is always allowed; moving back out of `target` is not, unless forced.
    expect((await put({ stage: 'target', force: true, reason: 'cutover' })).status).toBe(200);
    const back = await put({ stage: 'target_primary' });
    expect(back.status).toBe(409);
    expect(back.body.error.message).toMatch(/Moving back from stage target loses/);
    expect((await put({ stage: 'dual_write', force: true, reason: 'the target misbehaves' })).status).toBe(200);

    const audit = await api.call('GET', '/api/v1/audit?object_type=interlay&object_id=live', { token: ADMIN_TOKEN });
    const moves = audit.body.entries
      .filter((e: { action: string }) => e.action === 'interlay.routing')
      .map((e: { details: { from: string; to: string } }) => `${e.details.from}>${e.details.to}`);
    expect(moves.reverse()).toEqual(['source>dual_write', 'dual_write>target_primary', 'target_primary>target', 'target>dual_write']);
    expect((await api.call('GET', '/api/v1/interlays/live/shadow-divergences', { token: viewer })).body).toEqual({ id: 'live', divergences: [] });

    // The history keeps the live path's series (mirror ops, lag, queue…) while it mirrors.
    let last: Record<string, unknown> | undefined;
    for (let i = 0; i < 30 && last?.mirror_ops_per_sec === undefined; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const h = await api.call('GET', '/api/v1/interlays/live/metrics/history', { token: viewer });
      last = h.body.points[h.body.points.length - 1];
    }
    expect(last).toMatchObject({ mirror_ops_per_sec: expect.any(Number), lag_ms: expect.any(Number), queue_depth: expect.any(Number), pending_syncs: expect.any(Number) });
  });

  it('comes back in its stage, with its target, after a console restart', async () => {
    expect((await put({ stage: 'dual_write', target: 'dst', policy: 'BothRequired' })).status).toBe(200);
    await api.ctx.stop();
    registerContext(undefined);
    await api.ctx.close();
    const env = { DATA_DIR: api.ctx.config.dataDir, ADMIN_TOKEN, LOG_LEVEL: 'silent', NODE_ENV: 'test', RESTORE_INTERLAYS: 'true' } as const;
    let ctx2: ServerContext | undefined;
    try {
      ctx2 = await createContext(loadConfig(env), createLogger({ level: 'silent' }), { db: api.db });
      registerContext(ctx2);
      await ctx2.start();
      const m = await until(async () => {
        const r = await api.call('GET', '/api/v1/interlays/live/metrics', { token: ADMIN_TOKEN });
        return r.status === 200 && r.body.routing.stage === 'dual_write' ? r.body : null;
      }, 'the interlay back in dual_write');
      expect(m.routing.policy).toBe('BothRequired');
      const c = new FramedClient(port);
      clients.push(c);
      expect(await c.call('SET', 'after-restart', '1')).toBe('+OK\r\n');
      expect(target.cli('GET', 'after-restart').trim()).toBe('1');
    } finally {
      await ctx2?.stop();
      await ctx2?.close();
      registerContext(api.ctx);
    }
  });
});
