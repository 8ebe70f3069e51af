/**
 * Copy jobs through the real API handlers, against real redis-servers and both database
 * kinds: create → complete → target equals source, validation and permissions, pause /
 * resume / cancel, error keys (list, export, retry, resolve), verification and repair.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '@/test/api';
import { dbKinds } from '@/test/db';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { RedisConnection } from '../redis';
import { connect, diffKeys, parseCsv, seed, waitFor } from './test-support';

const kinds = await dbKinds();

function endpointBody(name: string, port: number) {
  return {
    endpoint: name,
    config: { read_conn: { host: '127.0.0.1', port }, write_conn: { host: '127.0.0.1', port }, command_timeout_ms: 30_000 },
  };
}

describe.each(kinds)('copy jobs API (%s)', (kind) => {
  let api: TestApi;
  let src: RedisServer;
  let dst: RedisServer;
  let srcC: RedisConnection;
  let dstC: RedisConnection;
  let keys: Buffer[];
  const admin = () => ({ token: api.adminToken });

  const waitStatus = (id: string, status: string) =>
    waitFor(async () => {
      const r = await api.call('GET', `/api/v1/copy-jobs/${id}`, admin());
      if (r.body.status === 'failed' && status !== 'failed') throw new Error(`job failed: ${r.body.error}`);
      return r.body.status === status ? r.body : undefined;
    }, `job ${id} to be ${status}`);

  const waitVerification = (id: string, vid: string) =>
    waitFor(async () => {
      const r = await api.call('GET', `/api/v1/copy-jobs/${id}/verifications/${vid}`, admin());
      return r.body.status !== 'running' ? r.body : undefined;
    }, `verification ${vid}`);

  beforeAll(async () => {
    [api, src, dst] = await Promise.all([startTestApi(kind), startRedis(), startRedis()]);
    for (const [n, s] of [['redis-source', src], ['redis-target', dst]] as const) {
      const r = await api.call('POST', '/api/v1/endpoints', { ...admin(), body: endpointBody(n, s.port) });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    [srcC, dstC] = await Promise.all([connect(src.port), connect(dst.port)]);
    keys = await seed(srcC, 'user:', 500);
  });

  afterAll(async () => {
    await Promise.all([srcC?.close(), dstC?.close()]);
    await api?.close();
    await Promise.all([src?.stop(), dst?.stop()]);
  });

  let jobId: string;

  it('creates a job that copies every key to the target', async () => {
    const r = await api.call('POST', '/api/v1/copy-jobs', {
      ...admin(),
      body: { source: 'redis-source', targets: ['redis-target'], conflict_policy: 'Replace', preserve_ttl: true, batch_size: 100 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ source: 'redis-source', targets: ['redis-target'], status: 'running', conflict_policy: 'Replace', created_by: 'admin' });
    jobId = r.body.id;
    const done = await waitStatus(jobId, 'completed');
    expect(done.counts.copied).toBe(keys.length);
    expect(done.counts.scanned).toBe(keys.length);
    expect(done.finished_at).toBeTruthy();
    expect(await diffKeys(srcC, dstC, keys)).toEqual([]);
    expect(Number(await dstC.call('DBSIZE'))).toBe(keys.length);
    // TTLs came along.
    expect(Number(await dstC.call('PTTL', 'user:0'))).toBeGreaterThan(3_000_000);
    // The throughput series is kept with the job for its charts, down to the final point.
    expect(done.progress.live).toBe(false);
    expect(done.progress.throughput.length).toBeGreaterThanOrEqual(1);
    expect(done.progress.throughput.at(-1)).toEqual({ at: expect.any(Number), keys_per_sec: expect.any(Number), bytes_per_sec: expect.any(Number) });

    const list = await api.call('GET', '/api/v1/copy-jobs', admin());
    expect(list.body.jobs.map((j: { id: string }) => j.id)).toContain(jobId);
    const tr = await api.call('GET', `/api/v1/copy-jobs/${jobId}/transitions`, admin());
    expect(tr.body.transitions.map((t: { to: string }) => t.to)).toEqual(['completed']);
  });

  it('rejects bad requests with field paths', async () => {
    const post = (body: unknown) => api.call('POST', '/api/v1/copy-jobs', { ...admin(), body });
    let r = await post({ source: 'nope', targets: ['redis-target'] });
    expect(r.status).toBe(400);
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['source']);
    r = await post({ source: 'redis-source', targets: ['missing-one'] });
    expect(r.status).toBe(400);
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['targets.0']);
    r = await post({ source: 'redis-source', targets: ['redis-target', 'redis-source'] });
    expect(r.status).toBe(400);
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['targets.1']);
    r = await post({ source: 'redis-source', targets: ['redis-target'], conflict_policy: 'Overwrite', batch_size: 0 });
    expect(r.status).toBe(400);
    expect(r.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['batch_size', 'conflict_policy']);
    r = await post({ source: 'redis-source', targets: [] });
    expect(r.body.error.issues[0].path).toBe('targets');
    r = await api.call('GET', '/api/v1/copy-jobs/not-a-uuid', admin());
    expect(r.status).toBe(400);
    r = await api.call('GET', '/api/v1/copy-jobs/00000000-0000-4000-8000-000000000000', admin());
    expect(r.status).toBe(404);
  });

  it('requires authentication and the operate permission to change jobs', async () => {
    const body = { source: 'redis-source', targets: ['redis-target'] };
    expect((await api.call('POST', '/api/v1/copy-jobs', { body })).status).toBe(401);
    expect((await api.call('GET', '/api/v1/copy-jobs')).status).toBe(401);
    const viewer = await api.tokenFor('viewer');
    expect((await api.call('POST', '/api/v1/copy-jobs', { token: viewer, body })).status).toBe(403);
    expect((await api.call('POST', `/api/v1/copy-jobs/${jobId}/verify`, { token: viewer, body: {} })).status).toBe(403);
    expect((await api.call('POST', `/api/v1/copy-jobs/${jobId}/error-keys/retry`, { token: viewer, body: {} })).status).toBe(403);
    expect((await api.call('GET', `/api/v1/copy-jobs/${jobId}`, { token: viewer })).status).toBe(200);
  });

  it('verifies a completed copy with no differences, finds planted ones, repairs them', async () => {
    let r = await api.call('POST', `/api/v1/copy-jobs/${jobId}/verify`, { ...admin(), body: { mode: 'full' } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    let v = await waitVerification(jobId, r.body.id);
    expect(v.status).toBe('completed');
    expect(v.counts.checked).toBe(keys.length);
    expect(v.differences).toBe(0);

    await dstC.pipeline([
      ['DEL', 'user:5'],
      ['SET', 'user:10', 'changed'],
      ['DEL', 'user:16'],
      ['SET', 'user:16', 'was a hash'],
      ['PERSIST', 'user:21'],
    ]);
    r = await api.call('POST', `/api/v1/copy-jobs/${jobId}/verify`, { ...admin(), body: { mode: 'full' } });
    v = await waitVerification(jobId, r.body.id);
    expect(v.counts.missing).toBe(1);
    expect(v.counts.value_mismatch).toBe(1);
    expect(v.counts.type_mismatch).toBe(1);
    expect(v.counts.ttl_mismatch).toBe(1);
    expect(v.differences).toBe(4);
    expect(v.mismatches.map((m: { key: string; kind: string }) => `${m.key} ${m.kind}`).sort()).toEqual([
      'user:10 value_mismatch',
      'user:16 type_mismatch',
      'user:21 ttl_mismatch',
      'user:5 missing',
    ]);
    const list = await api.call('GET', `/api/v1/copy-jobs/${jobId}/verifications`, admin());
    expect(list.body.verifications).toHaveLength(2);
    const csv = await api.call('GET', `/api/v1/copy-jobs/${jobId}/verifications/${v.id}?format=csv`, admin());
    expect(csv.status).toBe(200);
    expect(parseCsv(csv.body)).toHaveLength(5);

    const rep = await api.call('POST', `/api/v1/copy-jobs/${jobId}/verifications/${v.id}/repair`, admin());
    expect(rep.status, JSON.stringify(rep.body)).toBe(202);
    expect(rep.body.repair.status).toBe('running');
    const repaired = await waitFor(async () => {
      const x = await api.call('GET', `/api/v1/copy-jobs/${jobId}/verifications/${v.id}`, admin());
      return x.body.repair.status !== 'running' ? x.body : undefined;
    }, 'the repair');
    // A full verification that listed every divergent key: no rescan needed.
    expect(repaired.repair).toEqual({ status: 'completed', repaired: 4, failed: 0, removed: 0, rescanned: false, message: 'Every divergent key is back: re-copied 4 listed divergent keys.' });
    expect(repaired.mismatches.every((m: { repaired: boolean }) => m.repaired)).toBe(true);
    expect(await diffKeys(srcC, dstC, keys)).toEqual([]);
    r = await api.call('POST', `/api/v1/copy-jobs/${jobId}/verify`, { ...admin(), body: { mode: 'sample', sample_size: 100 } });
    v = await waitVerification(jobId, r.body.id);
    expect(v.status).toBe('completed');
    expect(v.differences).toBe(0);
  });

  it('pauses, resumes and cancels a running job; its endpoints cannot be deleted meanwhile', async () => {
    const s2 = await startRedis();
    try {
      const c2 = await connect(s2.port);
      await seed(c2, 'slow:', 3000);
      await c2.close();
      await api.call('POST', '/api/v1/endpoints', { ...admin(), body: endpointBody('redis-slow', s2.port) });
      const r = await api.call('POST', '/api/v1/copy-jobs', {
        ...admin(),
        body: { source: 'redis-slow', targets: ['redis-target'], rate_limit: { keys_per_sec: 200 }, batch_size: 50, match: ['slow:*'] },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const id = r.body.id;
      await waitFor(async () => (await api.call('GET', `/api/v1/copy-jobs/${id}`, admin())).body.progress?.copied > 0, 'some progress');

      expect((await api.call('DELETE', '/api/v1/endpoints/redis-slow', admin())).status).toBe(409);

      let x = await api.call('POST', `/api/v1/copy-jobs/${id}/pause`, admin());
      expect(x.status).toBe(200);
      expect(x.body.status).toBe('paused');
      expect((await api.call('POST', `/api/v1/copy-jobs/${id}/pause`, admin())).status).toBe(409);

      x = await api.call('PATCH', `/api/v1/copy-jobs/${id}`, { ...admin(), body: { rate_limit: { keys_per_sec: 100 } } });
      expect(x.status).toBe(200);
      expect(x.body.rate_limit).toEqual({ keys_per_sec: 100 });

      x = await api.call('POST', `/api/v1/copy-jobs/${id}/resume`, admin());
      expect(x.body.status).toBe('running');
      x = await api.call('POST', `/api/v1/copy-jobs/${id}/cancel`, admin());
      expect(x.body.status).toBe('cancelled');
      expect(x.body.counts.copied).toBeLessThan(3000);
      expect((await api.call('POST', `/api/v1/copy-jobs/${id}/resume`, admin())).status).toBe(409);
      expect((await api.call('POST', `/api/v1/copy-jobs/${id}/cancel`, admin())).status).toBe(409);
      const tr = await api.call('GET', `/api/v1/copy-jobs/${id}/transitions`, admin());
      expect(tr.body.transitions.map((t: { event: string }) => t.event)).toEqual(['pause', 'resume', 'cancel']);

      expect((await api.call('DELETE', '/api/v1/endpoints/redis-slow', admin())).status).toBe(204);
    } finally {
      await s2.stop();
    }
  });

  it('records keys a full target rejects, exports them, retries and resolves them', async () => {
    const full = await startRedis({ config: { maxmemory: '2mb', 'maxmemory-policy': 'noeviction' } });
    try {
      const fullC = await connect(full.port);
      await api.call('POST', '/api/v1/endpoints', { ...admin(), body: endpointBody('redis-full', full.port) });
      // ~4 MB of values towards a 2 MB target: some land, the rest fail with OOM.
      const big = await seed(srcC, 'big:', 100, 40_000);
      const r = await api.call('POST', '/api/v1/copy-jobs', {
        ...admin(),
        body: { source: 'redis-source', targets: ['redis-full'], match: ['big:*'], batch_size: 10 },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      const id = r.body.id;
      const job = await waitFor(async () => {
        const j = (await api.call('GET', `/api/v1/copy-jobs/${id}`, admin())).body;
        return j.status !== 'running' ? j : undefined;
      }, 'the job to end');
      expect(job.status).toBe('completed_with_errors');
      const oom = job.error_key_counts.by_class.target_oom;
      expect(oom).toBeGreaterThan(0);
      expect(job.counts.errors).toBe(oom);
      expect(job.counts.copied).toBe(big.length - oom);

      const page = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?class=target_oom&limit=5`, admin());
      expect(page.status).toBe(200);
      expect(page.body.items).toHaveLength(Math.min(5, oom));
      expect(page.body.counts_by_class.target_oom).toBe(oom);
      expect(page.body.items[0]).toMatchObject({ origin: 'copy', side: null, error_class: 'target_oom', db: 0, target: 0, target_endpoint: 'redis-full', attempts: 1, resolved: false });
      if (oom > 5) {
        const next = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?class=target_oom&limit=5&cursor=${page.body.next_cursor}`, admin());
        expect(next.body.items[0].id).not.toBe(page.body.items[0].id);
      }
      const search = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?search=big%3A1`, admin());
      for (const it of search.body.items) expect(JSON.stringify(it.key)).toContain('big:1');

      // The binary key fails too when it is the one that does not fit; make sure one binary row exists.
      const binaryKey = big[big.length - 1]!;
      const all = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?limit=1000`, admin());
      const hasBinary = all.body.items.some((i: { key: unknown }) => typeof i.key === 'object');

      const csv = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?format=csv`, admin());
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(csv.headers.get('content-disposition')).toContain('attachment');
      const rows = parseCsv(csv.body);
      const header = rows[0]!;
      expect(rows).toHaveLength(oom + 1);
      const keyCol = header.indexOf('key');
      const encCol = header.indexOf('key_encoding');
      const csvKeys = rows.slice(1).map((row) => Buffer.from(row[keyCol]!, row[encCol] === 'base64' ? 'base64' : 'utf8'));
      for (const k of csvKeys) expect(big.some((b) => b.equals(k))).toBe(true);
      if (hasBinary) expect(csvKeys.some((k) => k.equals(binaryKey))).toBe(true);

      // Read as text: the test client would parse any JSON-ish content type as one document.
      const { GET } = await import('@/app/api/v1/copy-jobs/[id]/error-keys/route');
      const jsonl = await GET(new Request(`http://console.test/api/v1/copy-jobs/${id}/error-keys?format=jsonl`, { headers: { authorization: `Bearer ${api.adminToken}` } }), {
        params: Promise.resolve({ id }),
      });
      expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson');
      const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toHaveLength(oom);
      const jsonKeys = lines.map((l) => (typeof l.key === 'string' ? Buffer.from(l.key) : Buffer.from(l.key.$base64, 'base64')));
      expect(jsonKeys.map((k) => k.toString('hex')).sort()).toEqual(csvKeys.map((k) => k.toString('hex')).sort());

      // Resolve one with a note, fix the target, retry the rest.
      const first = all.body.items[0];
      const res = await api.call('POST', `/api/v1/copy-jobs/${id}/error-keys/resolve`, { ...admin(), body: { ids: [first.id], note: 'copied by hand' } });
      expect(res.body).toEqual({ resolved: 1 });
      expect((await api.call('POST', `/api/v1/copy-jobs/${id}/error-keys/resolve`, { ...admin(), body: { note: 'x' } })).status).toBe(400);

      await fullC.call('CONFIG', 'SET', 'maxmemory', '0');
      const retry = await api.call('POST', `/api/v1/copy-jobs/${id}/error-keys/retry`, { ...admin(), body: {} });
      expect(retry.status, JSON.stringify(retry.body)).toBe(200);
      expect(retry.body).toMatchObject({ attempted: oom - 1, copied: oom - 1, failed: 0 });
      const left = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?resolved=false`, admin());
      expect(left.body.items).toHaveLength(0);
      const done = await api.call('GET', `/api/v1/copy-jobs/${id}/error-keys?resolved=true&limit=1000`, admin());
      expect(done.body.items).toHaveLength(oom);
      const noted = done.body.items.find((i: { id: string }) => i.id === first.id);
      expect(noted.resolution_note).toBe('copied by hand');
      expect(done.body.items.filter((i: { attempts: number }) => i.attempts === 2)).toHaveLength(oom - 1);
      // The counts follow: copied on retry counts as copied, resolved by hand as resolved; no error left, so the job is completed.
      const after = (await api.call('GET', `/api/v1/copy-jobs/${id}`, admin())).body;
      expect(after.status).toBe('completed');
      expect(after.counts).toMatchObject({ scanned: big.length, copied: big.length - 1, errors: 0, resolved: 1 });
      const history = (await api.call('GET', `/api/v1/copy-jobs/${id}/transitions`, admin())).body.transitions;
      expect(history.map((t: { event: string }) => t.event)).toEqual(['complete_with_errors', 'errors_cleared']);
      // Everything but the key resolved by hand is on the target now.
      const missing = await diffKeys(srcC, fullC, big);
      expect(missing.length).toBeLessThanOrEqual(1);
      await fullC.close();
    } finally {
      await full.stop();
    }
  });
});
