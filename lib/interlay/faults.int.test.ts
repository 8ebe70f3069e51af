/**
 * Faults and limits: backend killed and restarted, garbage from a client, a client leaving
 * mid-pipeline, port conflicts, max clients, idle timeout, interlay auth, RESET/QUIT, and a
 * hung backend (fake server: the only fault a real Redis cannot produce on cue).
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '@/test/redis-server';
import { Interlay } from './interlay';
import { backendFor, quietLog, RawClient, redisAndInterlay, sleep, startInterlay } from './test-helpers';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(settings = {}): Promise<{ server: RedisServer; interlay: Interlay }> {
  const r = await redisAndInterlay(settings);
  cleanups.push(() => r.server.stop(), () => r.interlay.stop({ drainTimeoutMs: 200 }));
  return r;
}

function client(port: number, opts: Record<string, unknown> = {}): Redis {
  const r = new Redis({ port, host: '127.0.0.1', protocol: 2, ...opts });
  r.on('error', () => undefined);
  cleanups.push(() => r.disconnect());
  return r;
}

/**
 * A fake backend (for faults a real Redis cannot produce on cue): answers the interlay's
 * INFO handshake, hands every other chunk to `onCommand`, and has an interlay and a raw
 * client in front of it.
 */
async function fakeBackendInterlay(
  onCommand: (text: string, s: net.Socket) => void,
  backend: { commandTimeoutMs?: number } = {},
): Promise<{ interlay: Interlay; client: RawClient; connections: () => number }> {
  let conns = 0;
  const info = 'redis_version:7.0.0\r\n';
  const fake = net.createServer((s) => {
    conns++;
    s.on('data', (d) => {
      const t = d.toString();
      if (t.includes('INFO')) s.write(`$${info.length}\r\n${info}\r\n`);
      onCommand(t, s);
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => fake.close(r)));
  const interlay = await startInterlay(backendFor({ port: (fake.address() as net.AddressInfo).port }, backend));
  cleanups.push(() => interlay.stop({ drainTimeoutMs: 100 }));
  const c = new RawClient(interlay.port);
  cleanups.push(() => c.close());
  return { interlay, client: c, connections: () => conns };
}

describe('backend failure', () => {
  it('fails pending and new commands promptly while the backend is down, then recovers', async () => {
    const { server, interlay } = await setup();
    const r = client(interlay.port, { maxRetriesPerRequest: 0 });
    await r.set('k', 'v');
    const outcomes: string[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        outcomes.push(await r.incr('ctr').then(() => 'ok', (e: Error) => `err:${e.message}`));
      }
    })();
    await sleep(100);
    await server.kill();
    await sleep(300);
    const t0 = Date.now();
    const downErr = await r.get('k').catch((e: Error) => e.message);
    expect(Date.now() - t0).toBeLessThan(500);
    expect(downErr).toMatch(/^ERR interlay: backend (unavailable|connection lost)/);
    expect(interlay.metrics().backend.state).not.toBe('up');
    await server.restart();
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await r.ping().catch(() => 'x')) !== 'PONG') await sleep(50);
    stop = true;
    await load;
    expect(await r.set('k2', 'back')).toBe('OK');
    expect(await r.get('k2')).toBe('back');
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(0);
    expect(outcomes.some((o) => o.startsWith('err:ERR interlay'))).toBe(true);
    expect(interlay.metrics().errors.backend_down).toBeGreaterThan(0);
    expect(interlay.metrics().backend.state).toBe('up');
    expect(interlay.status).toBe('listening');
  });

  it('a client blocked on a dedicated conn gets an error when the backend dies', async () => {
    const { server, interlay } = await setup();
    const r = client(interlay.port, { maxRetriesPerRequest: 0 });
    const popped = r.blpop('never', 0).catch((e: Error) => e.message);
    await sleep(100);
    await server.kill();
    expect(await popped).toMatch(/ERR interlay: backend connection lost/);
    await server.restart();
  });

  it('times out commands on a hung backend (fake server) and fails them with an error', async () => {
    // Completes the handshake (INFO) and then never answers.
    const { interlay: il, client: c } = await fakeBackendInterlay(() => undefined, { commandTimeoutMs: 500 });
    await c.send('GET x\r\n');
    const t0 = Date.now();
    await c.waitFor((t) => t.includes('\r\n'), 3000);
    expect(c.text()).toMatch(/^-ERR interlay: backend timeout \(no reply within 500 ms\)/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(il.metrics().errors.timeout).toBeGreaterThan(0);
  });

  it('delivers the first replies of a pipeline whose last reply is slow (held replies are released)', async () => {
    // The interlay holds a client's partial pipeline replies for the next backend read; here
    // that read only comes once the client has the first reply, so an unbounded hold would
    // never finish.
    let gotA!: () => void;
    const clientHasA = new Promise<void>((r) => (gotA = r));
    const { client: c } = await fakeBackendInterlay((t, s) => {
      if (!t.includes('slow-a')) return;
      s.write('$1\r\nA\r\n');
      void clientHasA.then(() => s.write('$1\r\nB\r\n'));
    });
    await c.send('GET slow-a\r\nGET slow-b\r\n');
    await c.waitFor((t) => t === '$1\r\nA\r\n', 2000);
    gotA();
    await c.waitFor((t) => t === '$1\r\nA\r\n$1\r\nB\r\n', 2000);
  });

  it('a backend that disconnects mid-reply fails the pending command and reconnects', async () => {
    const { client: c, connections } = await fakeBackendInterlay((t, s) => {
      if (!t.includes('GET')) return;
      s.write('$10\r\nhalf');
      setTimeout(() => s.destroy(), 20);
    });
    await c.send('GET x\r\n');
    await c.waitFor((t) => t.includes('\r\n'));
    expect(c.text()).toMatch(/^-ERR interlay: backend connection lost/);
    await sleep(400);
    expect(connections()).toBeGreaterThanOrEqual(2);
  });
});

describe('client faults', () => {
  it('garbage gets a protocol error and a close; other clients are unaffected', async () => {
    const { interlay } = await setup();
    const good = client(interlay.port);
    await good.set('g', '1');
    const bad = new RawClient(interlay.port);
    cleanups.push(() => bad.close());
    await bad.send('*1\r\n$3\r\nGET\r\n*2\r\n$x\r\n');
    await bad.waitClosed();
    expect(bad.text()).toMatch(/-ERR Protocol error: invalid bulk length\r\n$/);
    expect(await good.get('g')).toBe('1');
    expect(interlay.metrics().errors.protocol).toBe(1);
  });

  it('a client that disconnects mid-pipeline does not desync the shared connection', async () => {
    const { interlay } = await setup();
    const good = client(interlay.port);
    for (let round = 0; round < 5; round++) {
      const leaver = new RawClient(interlay.port);
      const big = Array.from({ length: 2000 }, (_, i) => `SET leaver:${i} ${'x'.repeat(100)}\r\nGET leaver:${i}\r\n`).join('');
      await leaver.send(big);
      leaver.close();
      const p = good.pipeline();
      for (let i = 0; i < 200; i++) p.set(`good:${round}:${i}`, `v${i}`).get(`good:${round}:${i}`);
      const res = (await p.exec())!;
      for (let i = 0; i < 200; i++) expect(res[2 * i + 1][1]).toBe(`v${i}`);
    }
  });

  it('inline commands work like in redis-server', async () => {
    const { interlay } = await setup();
    const c = new RawClient(interlay.port);
    cleanups.push(() => c.close());
    await c.send('SET inline "hello world"\r\nGET inline\r\n');
    await c.waitFor((t) => t.includes('hello world'));
    expect(c.text()).toBe('+OK\r\n$11\r\nhello world\r\n');
  });

  it('unknown commands are forwarded (the backend answers) and counted', async () => {
    const { interlay } = await setup();
    const c = new RawClient(interlay.port);
    cleanups.push(() => c.close());
    await c.send('NOSUCHCMD a b\r\n');
    await c.waitFor((t) => t.includes('\r\n'));
    expect(c.text()).toMatch(/^-ERR unknown command 'NOSUCHCMD'/);
    expect(interlay.metrics().errors.unknown_command).toBe(1);
  });
});

describe('listener', () => {
  it('a port conflict gives status failed with a readable error, without crashing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as net.AddressInfo).port;
    const statuses: string[] = [];
    const il = new Interlay({
      id: 'conflict',
      port,
      poolSize: 1,
      backend: backendFor({ port: 1 }),
      settings: { bind_address: '127.0.0.1', max_concurrent_connections: 10, idle_timeout_s: 0 },
      log: quietLog,
    });
    il.on('status', (s) => statuses.push(s));
    await expect(il.start()).rejects.toThrow(`port ${port} is already in use (EADDRINUSE)`);
    expect(il.status).toBe('failed');
    expect(il.error).toBe(`port ${port} is already in use (EADDRINUSE)`);
    expect(statuses).toEqual(['starting', 'failed']);
    await il.stop();
    expect(il.status).toBe('stopped');
  });

  it('max_concurrent_connections refuses the next client with an error; raising it live admits more', async () => {
    const { interlay } = await setup({ max_concurrent_connections: 2 });
    const a = client(interlay.port);
    const b = client(interlay.port);
    await a.ping();
    await b.ping();
    const c = new RawClient(interlay.port);
    cleanups.push(() => c.close());
    await c.waitClosed();
    expect(c.text()).toBe('-ERR max number of clients reached\r\n');
    expect(interlay.metrics().connections.refused).toBe(1);
    interlay.updateSettings({ max_concurrent_connections: 3 });
    const d = client(interlay.port);
    expect(await d.ping()).toBe('PONG');
  });

  it('idle_timeout_s closes idle clients but not blocked or subscribed ones', async () => {
    const { interlay } = await setup({ idle_timeout_s: 1 });
    const idle = new RawClient(interlay.port);
    const blocked = new RawClient(interlay.port);
    const subscribed = new RawClient(interlay.port);
    cleanups.push(() => idle.close(), () => blocked.close(), () => subscribed.close());
    await idle.send('PING\r\n');
    await blocked.send('BLPOP nothing 0\r\n');
    await subscribed.send('SUBSCRIBE ch\r\n');
    await idle.waitClosed(4000);
    expect(blocked.closed).toBe(false);
    expect(subscribed.closed).toBe(false);
  });

  it('stop() drains: in-flight replies finish, then clients and backend conns close', async () => {
    const { interlay } = await setup();
    const c = new RawClient(interlay.port);
    await c.send('SET a 1\r\nGET a\r\n');
    await c.waitFor((t) => t.includes('$1\r\n1'));
    await interlay.stop({ drainTimeoutMs: 1000 });
    await c.waitClosed();
    expect(interlay.status).toBe('stopped');
  });
});

describe('interlay auth', () => {
  it('requires AUTH, answers it locally, and never forwards the credentials', async () => {
    const server = await startRedis({ password: 'backend-secret' });
    const il = await startInterlay(backendFor(server, { password: 'backend-secret' }), {
      auth: { password: 'front', users: [{ username: 'app', password: 'app-pw' }] },
      allow_unauthenticated: false,
    });
    cleanups.push(() => server.stop(), () => il.stop({ drainTimeoutMs: 100 }));
    const c = new RawClient(il.port);
    cleanups.push(() => c.close());
    await c.send('GET x\r\nAUTH wrong\r\nAUTH front\r\nSET x 1\r\nAUTH app wrong\r\nAUTH app app-pw\r\nGET x\r\n');
    await c.waitFor((t) => t.endsWith('$1\r\n1\r\n'));
    expect(c.text()).toBe(
      '-NOAUTH Authentication required.\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '+OK\r\n+OK\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '+OK\r\n$1\r\n1\r\n',
    );
    // ioredis with a password, and HELLO 3 AUTH.
    const io = client(il.port, { password: 'app-pw', username: 'app' });
    expect(await io.get('x')).toBe('1');
    const h = new RawClient(il.port);
    cleanups.push(() => h.close());
    await h.send('HELLO 3 AUTH app nope\r\nHELLO 3\r\nHELLO 3 AUTH app app-pw\r\nGET x\r\n');
    await h.waitFor((t) => t.endsWith('$1\r\n1\r\n'));
    const t = h.text();
    expect(t.startsWith('-WRONGPASS')).toBe(true);
    expect(t).toContain('-NOAUTH HELLO must be called with the client already authenticated');
    expect(t).toMatch(/%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(t).toContain('$5\r\nproto\r\n:3\r\n');
    expect(il.metrics().errors.auth).toBeGreaterThanOrEqual(4);
    // Changing auth live: the old password no longer holds.
    il.updateSettings({ auth: { password: 'rotated' } });
    expect(await io.get('x').catch((e: Error) => e.message)).toMatch(/^NOAUTH/);
  });

  it('without interlay auth, AUTH is answered like Redis with no password', async () => {
    const { interlay } = await setup();
    const c = new RawClient(interlay.port);
    cleanups.push(() => c.close());
    await c.send('AUTH secret\r\nAUTH default anything\r\nAUTH bob pw\r\n');
    await c.waitFor((t) => t.split('\r\n').length >= 4);
    expect(c.text()).toBe(
      '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n' +
        '+OK\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
  });
});

describe('session commands', () => {
  it('RESET returns to defaults (+RESET), QUIT answers +OK and closes', async () => {
    const { interlay } = await setup();
    const c = new RawClient(interlay.port);
    cleanups.push(() => c.close());
    await c.send('CLIENT SETNAME n1\r\nSELECT 4\r\nSET r 4\r\nMULTI\r\nRESET\r\nCLIENT GETNAME\r\nGET r\r\nQUIT\r\nPING\r\n');
    await c.waitClosed();
    expect(c.text()).toBe('+OK\r\n+OK\r\n+OK\r\n+OK\r\n+RESET\r\n$-1\r\n$-1\r\n+OK\r\n');
  });

  it('client TLS: clients connect with TLS; backend TLS and ACL user/db per target', async () => {
    const { tlsMaterial } = await import('@/test/redis-server');
    const tlsm = tlsMaterial();
    const fs = await import('node:fs');
    const server = await startRedis({ tls: true, aclUsers: ['user app on >pw ~* &* +@all'] });
    const il = await startInterlay(
      backendFor(server, { tls: true, tlsOptions: { ca: tlsm.ca, server_name: 'localhost' }, username: 'app', password: 'pw', db: 5 }),
      { tls: { cert: fs.readFileSync(tlsm.certFile, 'utf8'), key: fs.readFileSync(tlsm.keyFile, 'utf8') } },
    );
    cleanups.push(() => server.stop(), () => il.stop({ drainTimeoutMs: 100 }));
    const r = client(il.port, { tls: { ca: tlsm.ca, servername: 'localhost' } });
    await r.set('tls:k', 'v');
    expect(await r.get('tls:k')).toBe('v');
    // The backend target's db (5) is where it landed.
    expect(server.cli('--user', 'app', '--pass', 'pw', '-n', '5', 'GET', 'tls:k').trim()).toBe('v');
  });
});
