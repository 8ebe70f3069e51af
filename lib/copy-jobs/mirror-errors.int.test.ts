/**
 * Mirror errors in the error-key store, through the API (real redis-servers, both database
 * kinds): the target of an interlay in dual_write (SourceAuthoritative) is killed mid-load
 * and restarted empty; the keys the mirror failed on are listed with origin `mirror`,
 * exported, and retried (synced from the source) until both sides hold the same values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FramedClient } from '@/lib/interlay/test-helpers';
import { ADMIN_TOKEN, startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';
import { parseCsv, waitFor } from './test-support';

const OPEN = { allow_unauthenticated: { acknowledged: true, reason: 'test clients connect without AUTH' } };
const admin = { token: ADMIN_TOKEN };

describe.each(await dbKinds())('mirror error keys (%s)', (kind) => {
  let api: TestApi;
  let source: RedisServer;
  let target: RedisServer;
  let client: FramedClient;

  beforeAll(async () => {
    [api, source, target] = await Promise.all([startTestApi(kind), startRedis(), startRedis()]);
    for (const [name, r] of [['src', source], ['dst', target]] as const) {
      const ep = await api.call('POST', '/api/v1/endpoints', { ...admin, body: { endpoint: name, config: { target: { host: r.host, port: r.port }, command_timeout_ms: 3000 } } });
      expect(ep.status, JSON.stringify(ep.body)).toBe(201);
    }
    const port = await freePort();
    expect((await api.call('POST', '/api/v1/interlays', { ...admin, body: { id: 'mir', endpoint: 'src', port, start: true, settings: OPEN } })).body.status).toBe('listening');
    expect((await api.call('PUT', '/api/v1/interlays/mir/routing', { ...admin, body: { stage: 'dual_write', target: 'dst', policy: 'SourceAuthoritative' } })).status).toBe(200);
    client = new FramedClient(port);
  });

  afterAll(async () => {
    client?.close();
    await api?.close();
    await Promise.all([source?.stop(), target?.stop()]);
  });

  const writes = async (from: number, to: number) => {
    for (let i = from; i < to; i++) expect(await client.call('SET', `out:${i}`, String(i))).toBe('+OK\r\n');
  };

  it('records the keys a target outage failed, lists and exports them with their origin, and retry syncs them', async () => {
    await writes(0, 100);
    await target.kill();
    await writes(100, 300);
    await target.restart();
    await waitFor(async () => {
      const m = (await api.call('GET', '/api/v1/interlays/mir/metrics', admin)).body;
      return m.upstreams.find((u: { name: string }) => u.name === 'target')?.state === 'up';
    }, 'the target back up');
    await api.ctx.copyJobs.mirrorErrors.flush();

    const listed = await waitFor(async () => {
      const r = await api.call('GET', '/api/v1/interlays/mir/error-keys?resolved=false&limit=1000', admin);
      return r.body.items.length > 0 ? r.body : undefined;
    }, 'mirror error keys');
    const items = listed.items as { id: string; origin: string; side: string; key: string; error_class: string; attempts: number }[];
    // Writes the link could not take (overflow: the link was down) and state syncs that failed; both name the target's keys.
    expect(items.every((i) => i.origin === 'mirror' && ['target', 'sync'].includes(i.side) && ['mirror_failed', 'mirror_overflow'].includes(i.error_class))).toBe(true);
    expect(Object.values(listed.counts_by_class as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(items.length);
    // One row per (side, key) however often it failed.
    expect(new Set(items.map((i) => `${i.side} ${i.key}`)).size).toBe(items.length);
    const keys = [...new Set(items.map((i) => i.key))];

    const csv = await api.call('GET', '/api/v1/interlays/mir/error-keys/export?resolved=false', admin);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parseCsv(csv.body as string);
    expect(rows[0]!.slice(0, 3)).toEqual(['id', 'origin', 'side']);
    expect(rows.length - 1).toBe(items.length);
    expect((await api.call('GET', '/api/v1/interlays/nope/error-keys', admin)).status).toBe(404);

    // A stale value on the target (as a failed write would leave): retry brings the source's back.
    target.cli('SET', keys[0]!, 'stale');
    const viewer = await api.tokenFor('viewer');
    expect((await api.call('POST', '/api/v1/interlays/mir/error-keys/retry', { token: viewer, body: {} })).status).toBe(403);
    expect((await api.call('POST', '/api/v1/interlays/mir/error-keys/retry', { ...admin, body: { bogus: 1 } })).status).toBe(400);
    const retried = await api.call('POST', '/api/v1/interlays/mir/error-keys/retry', { ...admin, body: {} });
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body).toMatchObject({ attempted: items.length, copied: items.length, failed: 0, remaining: {} });
    expect(target.cli('MGET', ...keys)).toBe(source.cli('MGET', ...keys));
    const after = await api.call('GET', '/api/v1/interlays/mir/error-keys?resolved=true&limit=1000', admin);
    expect(after.body.items.length).toBe(items.length);
    expect(after.body.items[0].resolution_note).toMatch(/synced from src on retry by admin/);
  }, 120_000);
});
