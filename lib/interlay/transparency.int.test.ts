/**
 * Regression tests for the interlay's transparency defects (issue "Interlay
 * transparency…"): sessions that never went away, lost replies after a half-close, a
 * writer left hanging after a protocol error, one client's reply dropping a shared
 * connection, CLIENT KILL reaching pooled connections, and connection identity (CLIENT ID,
 * UNBLOCK, KILL ID, TRACKING REDIRECT, SETNAME, REPLY, per-client ACL users, SYNC,
 * INFO's port). Real redis-servers throughout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { backendFor, FramedClient, openFds, sleep, startInterlay, until } from './test-helpers';

let server: RedisServer;
let interlay: Interlay;
const clients: FramedClient[] = [];

function client(opts: { allowHalfOpen?: boolean } = {}): FramedClient {
  const c = new FramedClient(interlay.port, opts);
  clients.push(c);
  return c;
}

function direct(): FramedClient {
  const c = new FramedClient(server.port);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startRedis({
    aclUsers: [
      'user default on nopass ~* &* +@all',
      'user app on >app-pw ~app:* &* +@all',
      'user reader on >reader-pw ~* &* -@all +@read +@connection',
    ],
  });
  interlay = await startInterlay(backendFor(server), { max_concurrent_connections: 60, command_allowlist: ['@admin'] });
  await interlay.waitForBackend();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

afterAll(async () => {
  await interlay.stop({ drainTimeoutMs: 500 });
  await server.stop();
});

describe('sessions end and release everything', () => {
  it('after churn (QUIT without closing, protocol errors, resets, half-closes) no session or descriptor is left', async () => {
    await until(() => interlay.metrics().connections.current === 0, 'no sessions before');
    const fds0 = openFds();
    const backend0 = interlay.metrics().backend.connected;
    const rounds = 1200;
    for (let i = 0; i < rounds; i += 40) {
      await Promise.all(
        Array.from({ length: 40 }, async (_, k) => {
          const n = i + k;
          // allowHalfOpen: these clients never close on their own, as Redis's test suite's don't.
          const c = new FramedClient(interlay.port, { allowHalfOpen: true });
          await c.ready;
          switch (n % 5) {
            case 0: // QUIT, then the client keeps its socket open
              await c.send(['SET', `churn:${n}`, 'v'], ['QUIT']);
              break;
            case 1: // protocol error
              await c.sendRaw('*1\r\n$x\r\n');
              break;
            case 2: // reset by the client
              await c.send(['GET', `churn:${n}`]);
              c.socket.resetAndDestroy();
              return;
            case 3: // half-close after a pipeline
              await c.send(['PING'], ['GET', `churn:${n}`]);
              c.socket.end();
              break;
            default: // a blocked client that half-closes
              await c.send(['BLPOP', `churn:list:${n}`, '0']);
              await sleep(5);
              c.socket.end();
          }
          await c.waitClosed(5000);
          c.close();
        }),
      );
      // Never more sessions than open sockets, and never locked out (limit 60).
      expect(interlay.metrics().connections.current).toBeLessThanOrEqual(60);
    }
    await until(() => interlay.metrics().connections.current === 0, 'all sessions gone');
    const fresh = client();
    expect(await fresh.call('PING')).toBe('+PONG\r\n');
    fresh.close();
    await until(() => interlay.metrics().connections.current === 0, 'the last session gone');
    // Every descriptor the churn opened is closed again (backend conns kept for reuse aside).
    await until(() => openFds() - fds0 === interlay.metrics().backend.connected - backend0, 'descriptors back to the start');
    expect(interlay.metrics().connections.refused).toBe(0);
  });

  it('500 QUITs from clients that never close do not lock anyone out', async () => {
    for (let i = 0; i < 500; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const c = new FramedClient(interlay.port, { allowHalfOpen: true });
          expect(await c.call('QUIT')).toBe('+OK\r\n');
          await c.waitClosed();
          c.close();
        }),
      );
    }
    expect(await client().call('PING')).toBe('+PONG\r\n');
  });
});

describe('half-close and protocol errors', () => {
  it('a client that shuts down its write side still gets every reply, then the connection closes', async () => {
    const c = client({ allowHalfOpen: true });
    await c.sendRaw('PING\r\nSET halfclose:a b\r\nGET halfclose:a\r\n');
    c.socket.end();
    expect([await c.replyText(), await c.replyText(), await c.replyText()]).toEqual(['+PONG\r\n', '+OK\r\n', '$1\r\nb\r\n']);
    await c.waitClosed();
  });

  it('after a protocol error the client gets the error and the connection closes, even while it keeps writing', async () => {
    const c = client({ allowHalfOpen: true });
    await c.send(['SET', 'proto:a', '1']);
    await c.sendRaw('*1\r\n$-5\r\n');
    const junk = Buffer.alloc(64 * 1024, 'x');
    const writer = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(junk);
    }, 1);
    try {
      await c.waitClosed(5000);
    } finally {
      clearInterval(writer);
    }
    expect(c.frames.map((f) => f.toString())).toEqual(['+OK\r\n', '-ERR Protocol error: invalid bulk length\r\n']);
  });
});

describe("one client's reply never breaks a shared connection", () => {
  async function neighbours(run: () => Promise<void>): Promise<void> {
    const others = Array.from({ length: 8 }, () => client());
    let stop = false;
    const errors: string[] = [];
    const loops = others.map(async (o, i) => {
      while (!stop) {
        const r = await o.call('GET', `neighbour:${i}`);
        if (r.startsWith('-')) errors.push(r);
      }
    });
    try {
      await run();
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    expect(errors).toEqual([]);
  }

  it('a script returning a recursive table gets the same bytes as from Redis directly', async () => {
    const script = 'local a = {}; local b = {a}; a[1] = b; return a';
    const want = await direct().call('EVAL', script, '0');
    expect(want.endsWith('-ERR reached lua stack limit\r\n')).toBe(true);
    await neighbours(async () => {
      const c = client();
      for (let i = 0; i < 5; i++) expect(await c.call('EVAL', script, '0')).toBe(want);
      expect(await c.call('PING')).toBe('+PONG\r\n');
    });
    expect(interlay.metrics().errors.backend_down).toBe(0);
  });

  it('a RESP3 big number Redis writes with spaces in it reaches the client as sent', async () => {
    const script = "redis.setresp(3); return {big_number='123\\r\\n123'}";
    const d = direct();
    await d.call('HELLO', '3');
    const want = await d.call('EVAL', script, '0');
    expect(want).toBe('(123  123\r\n');
    await neighbours(async () => {
      const c = client();
      await c.call('HELLO', '3');
      expect(await c.call('EVAL', script, '0')).toBe(want);
    });
    expect(interlay.metrics().errors.backend_down).toBe(0);
  });
});

describe('CLIENT LIST / INFO / KILL speak about interlay sessions', () => {
  it('CLIENT KILL TYPE normal SKIPME yes kills the other sessions, never a pooled connection', async () => {
    const killer = client();
    const victims = [client(), client()];
    for (const v of victims) expect(await v.call('PING')).toBe('+PONG\r\n');
    await killer.call('CLIENT', 'SETNAME', 'killer');
    const list = await killer.call('CLIENT', 'LIST');
    expect(list.match(/^id=/gm)).toHaveLength(3);
    expect(list).toContain('name=killer');
    const killed = await killer.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    expect(killed).toBe(':2\r\n');
    for (const v of victims) await v.waitClosed();
    expect(await killer.call('GET', 'after-kill')).toBe('$-1\r\n');
    expect(interlay.metrics().errors.backend_down).toBe(0);
    const info = await killer.call('CLIENT', 'INFO');
    expect(info).toMatch(/^\$\d+\r\nid=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=killer age=\d+ idle=\d+ flags=N db=0 /);
    expect(info).toContain(' cmd=client|info user=default redir=-1 resp=2\n');
  });

  it('CLIENT KILL SKIPME no ends the caller too, after its reply; MONITOR works afterwards', async () => {
    const a = client();
    expect(await a.call('CLIENT', 'KILL', 'SKIPME', 'no')).toMatch(/^:[1-9]\d*\r\n$/);
    await a.waitClosed();
    const m = client();
    expect(await m.call('MONITOR')).toBe('+OK\r\n');
    const w = client();
    await w.call('SET', 'monitored', '1');
    expect(await m.replyText()).toContain('"SET" "monitored" "1"');
  });

  it('CLIENT KILL addr:port (old form) and errors as Redis words them', async () => {
    const a = client();
    const b = client();
    await b.call('PING');
    const line = await b.call('CLIENT', 'INFO');
    const addr = /addr=(\S+)/.exec(line)![1];
    expect(await a.call('CLIENT', 'KILL', addr)).toBe('+OK\r\n');
    await b.waitClosed();
    expect(await a.call('CLIENT', 'KILL', '1.2.3.4:5')).toBe('-ERR No such client\r\n');
    expect(await a.call('CLIENT', 'KILL', 'TYPE', 'nope')).toBe("-ERR Unknown client type 'nope'\r\n");
    expect(await a.call('CLIENT', 'KILL', 'ID', '0')).toBe('-ERR client-id should be greater than 0\r\n');
  });
});

describe('connection identity', () => {
  it('CLIENT ID pins the session: UNBLOCK and KILL ID reach it by that id', async () => {
    const blocked = client();
    const idReply = await blocked.call('CLIENT', 'ID');
    const id = Number(/^:(\d+)\r\n$/.exec(idReply)![1]);
    // The real id of a backend connection: the backend knows it.
    expect(await direct().call('CLIENT', 'LIST', 'ID', String(id))).toContain(`id=${id} `);
    await blocked.send(['BLPOP', 'identity:list', '0']);
    await sleep(50);
    const other = client();
    expect(await other.call('CLIENT', 'UNBLOCK', String(id))).toBe(':1\r\n');
    expect(await blocked.replyText()).toBe('*-1\r\n');
    expect(await other.call('CLIENT', 'KILL', 'ID', String(id))).toBe(':1\r\n');
    await blocked.waitClosed();
  });

  it('the id HELLO reports never collides with a backend id, and UNBLOCK by it works while blocked', async () => {
    const c = client();
    const hello = await c.call('HELLO', '3');
    const id = Number(/\+id\r\n:(\d+)\r\n/.exec(hello)?.[1] ?? /\$2\r\nid\r\n:(\d+)\r\n/.exec(hello)![1]);
    expect(id).toBeGreaterThanOrEqual(1e15);
    await c.send(['BLPOP', 'identity:list2', '0']);
    await sleep(50);
    const other = client();
    expect(await other.call('CLIENT', 'UNBLOCK', String(id), 'ERROR')).toBe(':1\r\n');
    expect(await c.replyText()).toMatch(/^-UNBLOCKED/);
    expect(await other.call('CLIENT', 'UNBLOCK', '424242')).toBe(':0\r\n');
  });

  it('CLIENT TRACKING ON REDIRECT <id> delivers invalidations to that client', async () => {
    const sink = client();
    const sinkId = Number(/^:(\d+)/.exec(await sink.call('CLIENT', 'ID'))![1]);
    await sink.send(['SUBSCRIBE', '__redis__:invalidate']);
    expect(await sink.replyText()).toContain('subscribe');
    const reader = client();
    expect(await reader.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId))).toBe('+OK\r\n');
    await reader.call('GET', 'tracked:key');
    await client().call('SET', 'tracked:key', 'changed');
    expect(await sink.replyText()).toContain('tracked:key');
    expect(await reader.call('CLIENT', 'GETREDIR')).toBe(`:${sinkId}\r\n`);
    expect(await client().call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '777777')).toBe(
      '-ERR The client ID you want redirect to does not exist\r\n',
    );
  });

  it('a pinned session\'s name reaches the server (CLIENT LIST there shows it)', async () => {
    const c = client();
    const id = Number(/^:(\d+)/.exec(await c.call('CLIENT', 'ID'))![1]);
    expect(await c.call('CLIENT', 'SETNAME', 'pinned-app')).toBe('+OK\r\n');
    expect(await direct().call('CLIENT', 'LIST', 'ID', String(id))).toContain('name=pinned-app');
    expect(await c.call('CLIENT', 'GETNAME')).toBe('$10\r\npinned-app\r\n');
  });

  it('CLIENT REPLY OFF / SKIP / ON behave as on Redis', async () => {
    const script = [
      ['CLIENT', 'REPLY', 'SKIP'],
      ['SET', 'reply:a', '1'],
      ['GET', 'reply:a'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['INCR', 'reply:a'],
      ['GET', 'reply:a'],
      ['PING'],
      ['CLIENT', 'REPLY', 'ON'],
      ['GET', 'reply:a'],
    ];
    const via = client();
    await via.send(...script);
    const got = [await via.replyText(), await via.replyText(), await via.replyText()];
    expect(got).toEqual(['$1\r\n1\r\n', '+OK\r\n', '$1\r\n2\r\n']);
    await sleep(50);
    expect(via.pending).toBe(0);
  });

  it('per-client ACL users: AUTH is checked by the backend and the session runs with that user\'s permissions', async () => {
    const ro = client();
    expect(await ro.call('AUTH', 'reader', 'wrong')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await ro.call('AUTH', 'reader', 'reader-pw')).toBe('+OK\r\n');
    expect(await ro.call('ACL', 'WHOAMI')).toBe('-NOPERM this user has no permissions to run the \'acl|whoami\' command\r\n');
    expect(await ro.call('GET', 'app:x')).toBe('$-1\r\n');
    expect(await ro.call('SET', 'app:x', '1')).toMatch(/^-NOPERM/);

    const app = client();
    const hello = await app.call('HELLO', '3', 'AUTH', 'app', 'app-pw', 'SETNAME', 'app-1');
    expect(hello).toMatch(/^%7\r\n/);
    expect(await app.call('ACL', 'WHOAMI')).toBe('$3\r\napp\r\n');
    expect(await app.call('SET', 'app:x', '1')).toBe('+OK\r\n');
    expect(await app.call('SET', 'other:x', '1')).toMatch(/^-NOPERM/);
    // A transaction runs on a dedicated connection of the same user.
    await app.send(['MULTI'], ['SET', 'other:y', '1'], ['EXEC']);
    expect(await app.replyText()).toBe('+OK\r\n');
    expect(await app.replyText()).toMatch(/^-NOPERM/);
    expect(await app.replyText()).toMatch(/^-EXECABORT/);
    expect(await app.call('CLIENT', 'GETNAME')).toBe('$5\r\napp-1\r\n');
    const list = await client().call('CLIENT', 'LIST');
    expect(list).toMatch(/name=app-1 .* user=app /);
  });

  it('SYNC and PSYNC are refused at once with a clear error', async () => {
    const c = client();
    const t0 = Date.now();
    expect(await c.call('SYNC')).toMatch(/^-ERR interlay: replication \(SYNC\/PSYNC\/REPLCONF\) is not proxied/);
    expect(await c.call('PSYNC', '?', '-1')).toMatch(/^-ERR interlay: replication/);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await c.call('PING')).toBe('+PONG\r\n');
  });

  it("INFO reports the interlay's port as tcp_port", async () => {
    const info = await client().call('INFO', 'server');
    expect(info).toContain(`\r\ntcp_port:${interlay.port}\r\n`);
    const len = Number(/^\$(\d+)\r\n/.exec(info)![1]);
    expect(Buffer.byteLength(info) - info.indexOf('\r\n') - 4).toBe(len);
  });
});

describe('max clients', () => {
  it('a refused client gets the error and its connection closes at once', async () => {
    const small = await startInterlay(backendFor(server), { max_concurrent_connections: 1 });
    try {
      const a = new FramedClient(small.port);
      expect(await a.call('PING')).toBe('+PONG\r\n');
      const b = new FramedClient(small.port, { allowHalfOpen: true });
      expect(await b.replyText()).toBe('-ERR max number of clients reached\r\n');
      await b.waitClosed();
      a.close();
      b.close();
    } finally {
      await small.stop({ drainTimeoutMs: 200 });
    }
  });
});
