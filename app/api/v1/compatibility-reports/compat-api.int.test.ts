import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '@/test/db';
import { startTestApi, type TestApi } from '@/test/api';
import { freePort, startRedis, type RedisServer } from '@/test/redis-server';
import { RedisConnection } from '@/lib/redis/connection';

describe.each(await dbKinds())('compatibility reports API on %s', (kind) => {
  let api: TestApi;
  let src: RedisServer;
  let tgt: RedisServer;
  let operator: string;
  let approver: string;
  let viewer: string;

  const waitDone = async (id: string) => {
    await api.ctx.compat.settled(id);
    const r = await api.call('GET', `/api/v1/compatibility-reports/${id}`, { token: api.adminToken });
    expect(r.body.status, JSON.stringify(r.body.error)).not.toBe('running');
    return r.body;
  };

  beforeAll(async () => {
    [api, src, tgt] = await Promise.all([startTestApi(kind), startRedis(), startRedis({ config: { maxmemory: '4mb', 'maxmemory-policy': 'allkeys-lru' } })]);
    src.cli('SET', 'user:1', 'alice');
    src.cli('HSET', 'user:2', 'name', 'bob');
    tgt.cli('SET', 'existing', 'x');
    for (const [name, s] of [['src', src], ['tgt', tgt]] as const) {
      const r = await api.call('POST', '/api/v1/endpoints', { token: api.adminToken, body: { endpoint: name, config: { target: { host: s.host, port: s.port } } } });
      expect(r.status).toBe(201);
    }
    [operator, approver, viewer] = await Promise.all([api.tokenFor('operator'), api.tokenFor('approver'), api.tokenFor('viewer')]);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([src?.stop(), tgt?.stop()]);
  });

  let id: string;

  it('creates a report (201, running) that completes with findings, analysis and a test run', async () => {
    const r = await api.call('POST', '/api/v1/compatibility-reports', { token: operator, body: { source: 'src', target: 'tgt', conflict_policy: 'None', test_run: { sample_keys: 10 } } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'running' });
    id = r.body.id;
    const rep = await waitDone(id);
    expect(rep).toMatchObject({ id, source: 'src', target: 'tgt', mirror_targets: [], interlay: null, status: 'completed' });
    // 15 checks + the test run's own finding.
    expect(rep.findings).toHaveLength(16);
    expect(rep.findings.find((f: { check: string }) => f.check === 'test-run')).toMatchObject({ severity: 'pass', evidence: { copied: 2, verified: 2 } });
    const by = Object.fromEntries(rep.findings.map((f: { check: string }) => [f.check, f]));
    expect(by['target-not-empty']).toMatchObject({ severity: 'warning', evidence: { total_keys: 1, conflict_policy: 'None' }, acknowledged: null });
    expect(by['eviction-policy'].severity).toBe('warning');
    expect(by['memory-headroom'].severity).toMatch(/blocking|warning|pass/);
    expect(rep.summary).toMatchObject({ blocking: expect.any(Number), warning: expect.any(Number), approvable: false });
    expect(rep.analysis.keyspace).toMatchObject({ total_keys: 2, sample_size: 2 });
    expect(rep.analysis.keyspace.types.map((t: { type: string }) => t.type).sort()).toEqual(['hash', 'string']);
    expect(rep.test_run).toMatchObject({ selected: 2, copied: 2, verified: 2, removed: 2 });
    expect(tgt.cli('DBSIZE').trim()).toBe('1');
    // Listed.
    const list = await api.call('GET', '/api/v1/compatibility-reports', { token: viewer });
    expect(list.status).toBe(200);
    expect(list.body.reports.map((x: { id: string }) => x.id)).toContain(id);
  });

  it('acknowledges a warning as approver; operator 403; blocking 409; pass 409', async () => {
    const denied = await api.call('POST', `/api/v1/compatibility-reports/${id}/findings/target-not-empty/acknowledge`, { token: operator, body: { notes: 'fine' } });
    expect(denied.status).toBe(403);
    const ok = await api.call('POST', `/api/v1/compatibility-reports/${id}/findings/target-not-empty/acknowledge`, { token: approver, body: { notes: 'target keys are expected' } });
    expect(ok.status).toBe(200);
    expect(ok.body.acknowledged).toMatchObject({ notes: 'target keys are expected', by: expect.any(String) });
    // The alias path the issue names.
    const alias = await api.call('POST', `/api/v1/compatibility-reports/${id}/compatibility/eviction-policy/acknowledge`, { token: approver, body: { notes: 'lru is fine for a cache' } });
    expect(alias.status).toBe(200);
    const rep = (await api.call('GET', `/api/v1/compatibility-reports/${id}`, { token: viewer })).body;
    const blocking = rep.findings.find((f: { severity: string }) => f.severity === 'blocking');
    if (blocking) {
      const r = await api.call('POST', `/api/v1/compatibility-reports/${id}/findings/${blocking.check}/acknowledge`, { token: approver, body: { notes: 'x' } });
      expect(r.status).toBe(409);
      expect(r.body.error.message).toBe('blocking findings cannot be acknowledged; fix and re-run');
    }
    const pass = rep.findings.find((f: { severity: string }) => f.severity === 'pass');
    expect((await api.call('POST', `/api/v1/compatibility-reports/${id}/findings/${pass.check}/acknowledge`, { token: approver, body: { notes: 'x' } })).status).toBe(409);
    expect((await api.call('POST', `/api/v1/compatibility-reports/${id}/findings/nope/acknowledge`, { token: approver, body: { notes: 'x' } })).status).toBe(404);
    const audit = await api.call('GET', '/api/v1/audit?object_type=compat_report', { token: api.adminToken });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['compat_report.create', 'compat_report.acknowledge']));
  });

  it('re-runs in place and keeps acknowledgements whose check and severity are unchanged', async () => {
    expect((await api.call('POST', `/api/v1/compatibility-reports/${id}/rerun`, { token: approver })).status).toBe(403);
    const r = await api.call('POST', `/api/v1/compatibility-reports/${id}/rerun`, { token: operator });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'running', run_number: 2 });
    const rep = await waitDone(id);
    expect(rep.run_number).toBe(2);
    const f = rep.findings.find((x: { check: string }) => x.check === 'target-not-empty');
    expect(f.acknowledged, JSON.stringify(f)).toMatchObject({ notes: 'target keys are expected' });
    // Once the target is flushed the finding passes and its acknowledgement goes away.
    tgt.cli('FLUSHALL');
    await api.call('POST', `/api/v1/compatibility-reports/${id}/rerun`, { token: operator });
    const again = await waitDone(id);
    expect(again.findings.find((x: { check: string }) => x.check === 'target-not-empty')).toMatchObject({ severity: 'pass', acknowledged: null });
  });

  it('with an interlay: workload analysis from its metrics, listener check, smoke test through it', async () => {
    const port = await freePort();
    const il = await api.call('POST', '/api/v1/interlays', { token: operator, body: { id: `il-compat-${kind}`, endpoint: 'src', port, start: true, settings: { allow_unauthenticated: { acknowledged: true, reason: 'test clients connect without AUTH' } } } });
    expect(il.status, JSON.stringify(il.body)).toBe(201);
    const client = new RedisConnection({ host: '127.0.0.1', port });
    try {
      await client.pipeline([['SET', 'wl:1', 'a'], ['GET', 'wl:1'], ['MULTI'], ['INCR', 'wl:n'], ['EXEC'], ['EVAL', 'return 1', '0'], ['SELECT', '0']]);
      await client.call('DEL', 'wl:1', 'wl:n');
    } finally {
      await client.close();
    }
    const bad = await api.call('POST', '/api/v1/compatibility-reports', { token: operator, body: { source: 'src', target: 'tgt', interlay: 'no-such-interlay' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['interlay']);
    const r = await api.call('POST', '/api/v1/compatibility-reports', { token: operator, body: { source: 'src', target: 'tgt', interlay: `il-compat-${kind}`, test_run: { sample_keys: 5 } } });
    expect(r.status).toBe(201);
    const rep = await waitDone(r.body.id);
    expect(rep.status).toBe('completed');
    expect(rep.findings.find((f: { check: string }) => f.check === 'interlay-listeners')).toMatchObject({ severity: 'pass' });
    const wl = rep.analysis.workload;
    expect(wl, JSON.stringify(wl)).toMatchObject({ interlay: `il-compat-${kind}`, available: true });
    const care = Object.fromEntries(wl.needs_care.map((g: { group: string; total: number }) => [g.group, g.total]));
    expect(care).toMatchObject({ transactions: 2, scripts: 1, SELECT: 1 });
    expect(rep.test_run.smoke.find((x: { where: string }) => x.where.startsWith('interlay'))).toMatchObject({ ok: true });
    await api.call('POST', `/api/v1/interlays/il-compat-${kind}/stop`, { token: operator, body: { drain_timeout_ms: 0 } });
    await api.call('DELETE', `/api/v1/interlays/il-compat-${kind}`, { token: operator });
  });

  it('exports the report as a JSON download', async () => {
    const r = await api.call('GET', `/api/v1/compatibility-reports/${id}/export`, { token: viewer });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toMatch(/attachment; filename="compatibility-report-src-to-tgt-/);
    expect(r.body).toMatchObject({ id, findings: expect.any(Array), exported_at: expect.any(String) });
  });

  it('validates with field paths (400), refuses viewers (403), 404 for an unknown report', async () => {
    const bad = await api.call('POST', '/api/v1/compatibility-reports', { token: operator, body: { source: 'src', target: 'src', conflict_policy: 'Overwrite', test_run: { sample_keys: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['conflict_policy', 'test_run.sample_keys']);
    const same = await api.call('POST', '/api/v1/compatibility-reports', { token: operator, body: { source: 'src', target: 'src' } });
    expect(same.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['target']);
    const missing = await api.call('POST', '/api/v1/compatibility-reports', { token: operator, body: { source: 'src', target: 'ghost', mirror_targets: ['ghost2'] } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['target', 'mirror_targets.0']);
    expect((await api.call('POST', '/api/v1/compatibility-reports', { token: viewer, body: { source: 'src', target: 'tgt' } })).status).toBe(403);
    expect((await api.call('GET', '/api/v1/compatibility-reports/00000000-0000-4000-8000-000000000000', { token: viewer })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/compatibility-reports/not-a-uuid', { token: viewer })).status).toBe(400);
  });
});
