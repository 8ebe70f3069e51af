/**
 * A copy JOB on the live path, through the API (real redis-servers, both database kinds):
 * a random writer keeps writing through an interlay in dual_write while a job copies the
 * pre-filled source; the job runs coordinated with the interlay's mirror, and once the
 * writer stops and the mirror drains the two servers are identical. A job that would copy
 * there with a conflict policy other than Replace is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestApi, type TestApi } from '@/test/api';
import { compareServers } from '@/test/compare';
import { dbKinds } from '@/test/db';
import { RandomWriter } from '@/test/random-writer';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';
import { waitFor } from './test-support';

const OPEN = { allow_unauthenticated: { acknowledged: true, reason: 'test clients connect without AUTH' } };
const admin = { token: ADMIN_TOKEN };

/** Mirror metrics through the API until nothing is queued or syncing, several times in a row. */
export async function waitMirrorIdle(api: TestApi, interlay: string, timeoutMs = 120_000): Promise<void> {
  let quiet = 0;
  await waitFor(
    async () => {
      const m = (await api.call('GET', `/api/v1/interlays/${interlay}/metrics`, admin)).body.mirror;
      const idle = m.syncs.pending === 0 && m.syncs.running === 0 && m.links.every((l: { queue_depth: number }) => l.queue_depth === 0);
      quiet = idle ? quiet + 1 : 0;
      return quiet >= 5;
    },
    `interlay ${interlay}'s mirror to drain`,
    timeoutMs,
  );
}

describe.each(await dbKinds())('copy job on the live path (%s)', (kind) => {
  let api: TestApi;
  let source: RedisServer;
  let target: RedisServer;
  let port: number;

  beforeAll(async () => {
    [api, source, target] = await Promise.all([startTestApi(kind), startRedis(), startRedis()]);
    for (const [name, r] of [['src', source], ['dst', target]] as const) {
      expect((await api.call('POST', '/api/v1/endpoints', { ...admin, body: { endpoint: name, config: { target: { host: r.host, port: r.port } } } })).status).toBe(201);
    }
    port = await freePort();
    const il = await api.call('POST', '/api/v1/interlays', { ...admin, body: { id: 'live', endpoint: 'src', port, start: true, settings: OPEN } });
    expect(il.body.status).toBe('listening');
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all([source?.stop(), target?.stop()]);
  });

  it('refuses a job that would copy under a live mirror without Replace (400 on conflict_policy)', async () => {
    expect((await api.call('PUT', '/api/v1/interlays/live/routing', { ...admin, body: { stage: 'dual_write', target: 'dst' } })).status).toBe(200);
    const r = await api.call('POST', '/api/v1/copy-jobs', { ...admin, body: { source: 'src', targets: ['dst'], conflict_policy: 'None' } });
    expect(r.status).toBe(400);
    expect(r.body.error.issues).toEqual([{ path: 'conflict_policy', message: expect.stringMatching(/interlay "live" mirrors writes from src .* needs Replace/) }]);
    expect((await api.call('PUT', '/api/v1/interlays/live/routing', { ...admin, body: { stage: 'source' } })).status).toBe(200);
  });

  it('a writer through the interlay in dual_write during the whole job: 0 differences after the mirror drains', async () => {
    source.cli('FLUSHALL');
    target.cli('FLUSHALL');
    // Pre-fill the source with the writer's own keyspace (every family it writes later).
    const fill = new RandomWriter({ port: source.port, clients: 4, keysPerFamily: 3000, seed: 5, maxOps: 40_000 }).start();
    await fill.until(40_000, 120_000);
    await fill.stop();
    expect(Number(source.cli('DBSIZE').trim())).toBeGreaterThan(10_000);

    // Mirroring first, then the job: every write after the job starts is mirrored or in a dump.
    expect((await api.call('PUT', '/api/v1/interlays/live/routing', { ...admin, body: { stage: 'dual_write', target: 'dst' } })).status).toBe(200);
    const writer = new RandomWriter({ port, clients: 4, keysPerFamily: 3000, seed: 17 }).start();
    let jobId: string;
    try {
      await writer.until(3_000);
      const created = await api.call('POST', '/api/v1/copy-jobs', {
        ...admin,
        // Rate-limited so the copy lasts a few seconds under the writer.
        body: { source: 'src', targets: ['dst'], conflict_policy: 'Replace', batch_size: 200, scan_count: 200, rate_limit: { keys_per_sec: 8000 } },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      jobId = created.body.id;
      const done = await waitFor(async () => {
        const j = (await api.call('GET', `/api/v1/copy-jobs/${jobId}`, admin)).body;
        if (j.status === 'failed') throw new Error(`job failed: ${j.error}`);
        return j.status === 'completed' ? j : undefined;
      }, 'the job to complete');
      expect(done.coordinated_with).toEqual(['live']);
      expect(done.counts.errors).toBe(0);
    } finally {
      await writer.stop();
    }
    expect(writer.stats.failures).toEqual([]);
    expect(writer.stats.ops).toBeGreaterThan(5_000);
    await waitMirrorIdle(api, 'live');
    const cmp = await compareServers(source, target);
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    // The coordination did work: keys written during their copy window were synced by state.
    const m = (await api.call('GET', '/api/v1/interlays/live/metrics', admin)).body.mirror;
    expect(m.syncs.copy_overlaps).toBeGreaterThan(0);
    // The history says the job ran on the live path; the interlay trusts its target (a copy completed since mirroring began).
    const history = (await api.call('GET', `/api/v1/copy-jobs/${jobId!}/transitions`, admin)).body;
    const items = history.transitions as { event: string; reason: string | null }[];
    expect(items.find((t) => t.event === 'complete')?.reason).toMatch(/interlay "live" mirrored writes, coordinated/);
    const routing = (await api.call('GET', '/api/v1/interlays/live/routing', admin)).body;
    expect(routing.sync).toMatchObject({ in_sync: true });
  }, 600_000);
});
