/**
 * The workflow API's rules: roles (viewers read, operators operate, approvers approve,
 * the submitter never approves), field errors with paths, approval refused (409) while a
 * blocking finding is open, a setup change after approval needing a new approval, and the
 * events: catch-up by sequence number, the SSE stream (bearer token, Last-Event-ID) and the
 * Socket.IO room.
 */
import { Redis } from 'ioredis';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_PATH } from '@/lib/events';
import { ADMIN_TOKEN, serveHttp, type TestHttpServer } from '@/test/api';
import { dbKinds } from '@/test/db';
import type { MigrationEvent } from './schema';
import { Runbook, setupFor, startBench, until, type Bench } from './test-support';

describe.each(await dbKinds())('migration API on %s', (kind) => {
  let b: Bench;

  beforeAll(async () => {
    b = await startBench(kind);
    // A second interlay, in front of the target: not a valid interlay for a src → dst migration.
    const other = await b.api.call('POST', '/api/v1/interlays', { token: ADMIN_TOKEN, body: { id: 'other', endpoint: 'dst', port: b.interlayPort + 1 === 65536 ? 1 : b.interlayPort + 1 } });
    expect(other.status).toBe(201);
  });
  afterAll(async () => {
    await b?.api.close();
    await Promise.all([b?.source.stop(), b?.target.stop()]);
  });

  const post = (path: string, token: string, body?: unknown) => b.api.call('POST', `/api/v1/migrations${path}`, { token, body });

  it('checks roles and answers bad input with field paths', async () => {
    expect((await post('', b.viewer, { name: 'x' })).status).toBe(403);
    expect((await post('', b.approver, { name: 'x' })).status).toBe(403);
    expect((await b.api.call('GET', '/api/v1/migrations', {})).status).toBe(401);
    const doc = await b.api.call('GET', '/api/v1/openapi.json', { token: b.viewer });
    expect(doc.body).toMatchObject({ openapi: '3.1.0', paths: { '/api/v1/migrations/{id}/traffic': { post: { 'x-permission': 'operate' } } } });

    const mirrored = await post('', b.operator, { name: 'x', setup: setupFor({ conflict_policy: 'Merge' }) });
    expect(mirrored.status).toBe(400);
    expect(mirrored.body.error.issues).toEqual([{ path: 'setup.conflict_policy', message: expect.stringMatching(/only Replace is valid with live mirroring/) }]);
    const refs = await post('', b.operator, { name: 'x', setup: setupFor({ target: 'nope', interlay: 'other' }) });
    expect(refs.status).toBe(400);
    expect(refs.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['setup.interlay', 'setup.target']);
    const shape = await post('', b.operator, { name: 'x', setup: { ...setupFor(), strategy: { type: 'canary', read_percentage: [50, 10] }, rollback_window: { seconds: 1, minutes: 1 } } });
    expect(shape.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['setup.rollback_window.seconds', 'setup.strategy.read_percentage.1']);

    const draft = await post('', b.operator, { name: 'draft only' });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ state: 'draft', setup: null, allowed_events: ['submit_setup'] });
    const put = await b.api.call('PUT', `/api/v1/migrations/${draft.body.id}/setup`, { token: b.operator, body: { ...setupFor(), data_movement: 'sideways' } });
    expect(put.status).toBe(400);
    expect(put.body.error.issues[0].path).toBe('data_movement');
    expect((await b.api.call('GET', `/api/v1/migrations/${draft.body.id}`, { token: b.viewer })).body.state).toBe('draft');
    expect((await b.api.call('DELETE', `/api/v1/migrations/${draft.body.id}`, { token: b.viewer })).status).toBe(403);
    expect((await b.api.call('DELETE', `/api/v1/migrations/${draft.body.id}`, { token: b.operator })).status).toBe(204);
    expect((await b.api.call('GET', `/api/v1/migrations/${draft.body.id}`, { token: b.viewer })).status).toBe(404);
    expect((await b.api.call('GET', '/api/v1/migrations/not-a-uuid', { token: b.viewer })).body.error.issues[0].path).toBe('params.id');

    const run = await Runbook.create(b, setupFor());
    expect((await b.api.call('DELETE', `/api/v1/migrations/${run.id}`, { token: b.operator })).status).toBe(409);
    expect((await run.call('POST', '/approve', b.approver)).status).toBe(409);
    expect((await run.call('POST', '/execute', b.operator)).status).toBe(409);
    const audit = await b.api.call('GET', `/api/v1/audit?object_type=migration&object_id=${run.id}`, { token: ADMIN_TOKEN });
    expect(audit.body.entries.map((e: { action: string }) => e.action).sort()).toEqual(['migration.create', 'migration.submit_setup']);

    // Until it is closed the run counts on its endpoints: deleting one is refused, naming it.
    const usedBy = async () => (await b.api.call('DELETE', '/api/v1/endpoints/dst', { token: ADMIN_TOKEN })).body.error?.details?.used_by;
    expect(await usedBy()).toContainEqual({ type: 'migration', id: run.id });
    expect((await run.call('POST', '/close', b.operator, { reason: 'not yet' })).status).toBe(409); // nothing to close: cancel it
    expect((await run.call('POST', '/cancel', b.operator, { reason: 'set up by mistake' })).body.state).toBe('closed');
    expect(await usedBy()).not.toContainEqual({ type: 'migration', id: run.id });
  });

  it('refuses approval while a blocking finding is open, by the submitter, and after a setup change', async () => {
    const target = new Redis({ host: b.target.host, port: b.target.port });
    try {
      // The target cannot hold the source: the memory-headroom check blocks.
      await target.config('SET', 'maxmemory', '1mb');
      const created = await post('', ADMIN_TOKEN, { name: 'admin submits', setup: setupFor() });
      const run = new Runbook(b, created.body.id);
      expect((await run.call('POST', '/prepare', b.viewer)).status).toBe(403);
      expect((await run.call('POST', '/prepare', b.operator)).status).toBe(202);
      await run.reach('awaiting_review', 60_000);
      const checks = (await run.call('GET', '/checks', b.viewer)).body;
      expect(checks.approvable).toBe(false);
      expect(checks.blockers.join()).toMatch(/blocking finding "memory-headroom"/);
      const refused = await run.call('POST', '/approve', b.approver, {});
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/memory-headroom/);
      expect((await run.call('POST', '/findings/memory-headroom/acknowledge', b.approver, { notes: 'fine' })).status).toBe(409);
      // The operator who ran the checks does not acknowledge them (and has no approve permission anyway).
      expect((await run.call('POST', '/findings/latency/acknowledge', b.operator, { notes: 'x' })).status).toBe(403);

      await target.config('SET', 'maxmemory', '0');
      expect((await run.call('POST', '/prepare', b.operator)).status).toBe(202);
      await run.reach('awaiting_review', 60_000);
      for (const f of (await run.call('GET', '/checks', b.viewer)).body.findings) {
        if (f.severity === 'warning') expect((await run.call('POST', `/findings/${f.check}/acknowledge`, b.approver, { notes: 'ok' })).status).toBe(200);
      }
      const self = await run.call('POST', '/approve', ADMIN_TOKEN, {});
      expect(self.status).toBe(403);
      expect(self.body.error.message).toMatch(/You submitted this setup/);
      expect((await run.call('POST', '/approve', b.operator, {})).status).toBe(403);
      const ok = await run.call('POST', '/approve', b.approver, {});
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ state: 'approved', approved_by: expect.stringMatching(/^approver/) });

      // The same settings again change nothing; other settings need a new prepare and approval.
      expect((await b.api.call('PUT', `/api/v1/migrations/${run.id}/setup`, { token: b.operator, body: setupFor() })).body.state).toBe('approved');
      const changed = await b.api.call('PUT', `/api/v1/migrations/${run.id}/setup`, { token: b.operator, body: setupFor({ write_consistency: 'BothRequired' }) });
      expect(changed.body).toMatchObject({ state: 'setup_submitted', approved_by: null, report_id: null });
      expect((await run.call('POST', '/execute', b.operator)).status).toBe(409);
      const history = (await run.call('GET', '/transitions', b.viewer)).body.transitions;
      expect(history[history.length - 1]).toMatchObject({ from: 'approved', to: 'setup_submitted', reason: expect.stringMatching(/changed after approval/) });
    } finally {
      await target.config('SET', 'maxmemory', '0');
      target.disconnect();
    }
  });

  it('serves events for catch-up, as Server-Sent Events and in the Socket.IO room', async () => {
    let srv: TestHttpServer | undefined;
    let socket: Socket | undefined;
    try {
      srv = await serveHttp(b.api);
      const run = await Runbook.create(b, setupFor());
      const all = (await run.call('GET', '/events', b.viewer)).body;
      expect(all.events.map((e: MigrationEvent) => [e.seq, e.type])).toEqual([
        [1, 'action'],
        [2, 'state'],
      ]);
      expect(all.last_seq).toBe(2);
      expect((await run.call('GET', '/events?after=1', b.viewer)).body.events.map((e: MigrationEvent) => e.seq)).toEqual([2]);
      expect((await run.call('GET', '/events?after=x', b.viewer)).body.error.issues[0].path).toBe('query.after');

      socket = connect(srv.url, { path: SOCKET_PATH, transports: ['websocket'], reconnection: false, auth: { token: b.viewer } });
      await new Promise<void>((resolve, reject) => {
        socket!.once('connect', () => resolve());
        socket!.once('connect_error', reject);
      });
      const live: MigrationEvent[] = [];
      socket.on('migration:event', (e: MigrationEvent) => live.push(e));
      socket.emit('subscribe', `migration:${run.id}`);

      // SSE with a bearer token, resuming after the first event.
      const ac = new AbortController();
      const res = await fetch(`${srv.url}/api/v1/migrations/${run.id}/events/stream`, { headers: { authorization: `Bearer ${b.viewer}`, 'last-event-id': '1' }, signal: ac.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (re: RegExp) => {
        while (!re.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended: ${text}`);
          text += new TextDecoder().decode(value);
        }
      };
      await readUntil(/id: 2\n/);
      expect(text).not.toMatch(/id: 1\n/);
      // A new event reaches the stream and the room, in order, with the next sequence number.
      await new Promise((r) => setTimeout(r, 200));
      expect((await run.call('POST', '/cancel', b.operator, { reason: 'not needed' })).status).toBe(200);
      await readUntil(/id: 3\nevent: state\ndata: .*"to":"closed"/);
      await until(async () => live.some((e) => e.seq === 3), 'the socket event');
      expect(live.find((e) => e.seq === 3)).toMatchObject({ run_id: run.id, type: 'state', data: { from: 'setup_submitted', to: 'closed', event: 'cancel', reason: 'not needed' } });
      ac.abort();
      await reader.cancel().catch(() => undefined);

      const unauth = await fetch(`${srv.url}/api/v1/migrations/${run.id}/events/stream`);
      expect(unauth.status).toBe(401);
      await unauth.text();
    } finally {
      socket?.disconnect();
      await srv?.close();
    }
  });
});
