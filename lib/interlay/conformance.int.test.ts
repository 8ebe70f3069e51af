/**
 * Conformance: the same scripted sessions run against a redis-server directly and through
 * an interlay in front of an identical one, and must produce the same replies, byte for
 * byte. Where Redis itself is not deterministic (client ids, addresses, ages, ports) the
 * transcript masks that value on both sides. The few places where an interlay answers
 * differently on purpose are listed in README.md ("What differs through an interlay");
 * none of them appears here unmasked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { backendFor, FramedClient, sleep, startInterlay } from './test-helpers';

const REDIS_OPTIONS = {
  aclUsers: [
    'user default on nopass ~* &* +@all',
    'user app on >app-pw ~app:* &app:* +@all',
    'user reader on >reader-pw ~* &* -@all +@read +@connection',
  ],
};

let directServer: RedisServer;
let proxiedServer: RedisServer;
let interlay: Interlay;

beforeAll(async () => {
  [directServer, proxiedServer] = await Promise.all([startRedis(REDIS_OPTIONS), startRedis(REDIS_OPTIONS)]);
  // Configured as the direct server is: clients need no AUTH (its default user is nopass), and
  // the administrative commands the sessions use are allowed (the secure default refuses them).
  interlay = await startInterlay(backendFor(proxiedServer), {
    allow_unauthenticated: true,
    command_allowlist: ['client|list', 'client|kill', 'client|unblock', 'client|no-evict'],
  });
  await interlay.waitForBackend();
});

afterAll(async () => {
  await interlay.stop({ drainTimeoutMs: 500 });
  await Promise.all([directServer.stop(), proxiedServer.stop()]);
});

/** Values Redis itself does not repeat from run to run, masked on both sides. */
function mask(s: string): string {
  const masked = s
    .replace(/\b(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|multi-mem|rbs|rbp|obl|oll|omem|tot-mem|events|redir)=\S*/g, '$1=?')
    .replace(/(\$2\r\nid\r\n:)\d+/g, '$1?');
  // A CLIENT LIST / INFO line's length depends on the masked values.
  return masked !== s && /^[$=]\d+\r\n/.test(masked) ? masked.replace(/^([$=])\d+/, '$1?') : masked;
}

/** A step's reply where the integer is an id (CLIENT ID). */
const maskInt = (s: string) => s.replace(/^:\d+\r\n$/, ':?\r\n');

type Target = 'direct' | 'interlay';

class Scenario {
  readonly transcript: string[] = [];
  private readonly conns: FramedClient[] = [];

  constructor(private readonly target: Target) {}

  conn(): FramedClient {
    const port = this.target === 'direct' ? directServer.port : interlay.port;
    const c = new FramedClient(port, { allowHalfOpen: true });
    this.conns.push(c);
    return c;
  }

  /** Sends commands as one pipeline and records `n` replies (default: one per command). */
  async run(c: FramedClient, cmds: (string | number | Buffer)[][], n = cmds.length, norm: (s: string) => string = mask): Promise<string[]> {
    await c.send(...cmds);
    return this.read(c, n, norm);
  }

  async read(c: FramedClient, n: number, norm: (s: string) => string = mask): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(norm((await c.reply()).toString('latin1')));
    this.transcript.push(...out);
    return out;
  }

  note(s: string): void {
    this.transcript.push(s);
  }

  close(): void {
    for (const c of this.conns) c.close();
  }
}

/** Runs a scenario against both targets (each on its own clean server) and compares. */
async function conforms(name: string, body: (s: Scenario) => Promise<void>): Promise<void> {
  const results: string[][] = [];
  for (const target of ['direct', 'interlay'] as const) {
    const s = new Scenario(target);
    try {
      await body(s);
    } finally {
      s.close();
    }
    results.push(s.transcript);
  }
  expect(results[1], name).toEqual(results[0]);
  expect(results[0].length, name).toBeGreaterThan(0);
}

const cmd = (line: string) => line.split(' ');

describe('conformance: the same replies directly and through an interlay', () => {
  it('pipelines of mixed commands, errors, unknown commands and inline commands', async () => {
    await conforms('pipelines', async (s) => {
      const c = s.conn();
      const cmds: (string | number | Buffer)[][] = [];
      for (let i = 0; i < 50; i++) {
        cmds.push(['SET', `pl:${i}`, `v${i}`], ['INCR', `pl:n`], ['LPUSH', 'pl:list', i], ['HSET', 'pl:h', `f${i}`, i]);
      }
      cmds.push(
        ['GET', 'pl:7'], ['LRANGE', 'pl:list', 0, 5], ['HGETALL', 'pl:h'], ['ZADD', 'pl:z', 1, 'a', 2.5, 'b'],
        ['ZRANGE', 'pl:z', 0, -1, 'WITHSCORES'], ['INCR', 'pl:7'], ['GET'], ['NOSUCHCOMMAND', 'x'], ['LPOP', 'pl:h'],
        ['SET', 'pl:bin', Buffer.from([0, 255, 13, 10, 1])], ['GET', 'pl:bin'], ['SET', 'pl:big', 'x'.repeat(300_000)], ['STRLEN', 'pl:big'],
        ['MGET', 'pl:1', 'pl:2', 'nope'], ['TYPE', 'pl:z'], ['OBJECT', 'ENCODING', 'pl:list'], ['ECHO', 'hello'],
      );
      await s.run(c, cmds);
      await c.sendRaw('PING\r\nSET pl:inline "a b"\r\nGET pl:inline\r\n');
      await s.read(c, 3);
    });
  });

  it('transactions: MULTI/EXEC, EXECABORT, DISCARD, WATCH conflicts, nested MULTI', async () => {
    await conforms('transactions', async (s) => {
      const a = s.conn();
      const b = s.conn();
      await s.run(a, [cmd('MULTI'), cmd('SET tx:a 1'), cmd('INCR tx:a'), cmd('EXEC')]);
      await s.run(a, [cmd('MULTI'), cmd('SET tx:b'), cmd('INCR tx:a'), cmd('EXEC')]);
      await s.run(a, [cmd('MULTI'), cmd('INCR tx:a'), cmd('DISCARD'), cmd('GET tx:a')]);
      await s.run(a, [cmd('MULTI'), cmd('MULTI'), cmd('EXEC')]);
      await s.run(a, [cmd('EXEC'), cmd('DISCARD')]);
      await s.run(a, [cmd('WATCH tx:a'), cmd('GET tx:a')]);
      await s.run(b, [cmd('SET tx:a 100')]);
      await s.run(a, [cmd('MULTI'), cmd('INCR tx:a'), cmd('EXEC'), cmd('GET tx:a')]);
      await s.run(a, [cmd('WATCH tx:a'), cmd('UNWATCH'), cmd('MULTI'), cmd('INCR tx:a'), cmd('EXEC')]);
      await s.run(a, [cmd('MULTI'), cmd('SELECT 2'), cmd('SET tx:db2 x'), cmd('EXEC'), cmd('GET tx:db2'), cmd('SELECT 0'), cmd('GET tx:db2')]);
    });
  });

  it('pub/sub in RESP2: channels, patterns, PING while subscribed, unsubscribing, back to commands', async () => {
    await conforms('pubsub resp2', async (s) => {
      const sub = s.conn();
      const pub = s.conn();
      await s.run(sub, [cmd('SUBSCRIBE ch:1 ch:2'), cmd('PSUBSCRIBE ch:*')], 3);
      await s.run(pub, [cmd('PUBLISH ch:1 hello'), cmd('PUBLISH other x')]);
      await s.read(sub, 2);
      await s.run(sub, [cmd('PING'), cmd('PING hi')]);
      await s.run(sub, [cmd('GET x')]);
      // Named: UNSUBSCRIBE without arguments follows Redis's hash order, which differs between servers.
      await s.run(sub, [cmd('UNSUBSCRIBE ch:1 ch:2')], 2);
      await s.run(sub, [cmd('PUNSUBSCRIBE')], 1);
      await s.run(sub, [cmd('SET after:sub 1'), cmd('GET after:sub')]);
    });
  });

  it('pub/sub in RESP3: pushes interleaved with replies', async () => {
    await conforms('pubsub resp3', async (s) => {
      const sub = s.conn();
      const pub = s.conn();
      await s.run(sub, [cmd('HELLO 3')]);
      await s.run(sub, [cmd('SUBSCRIBE r3:a')], 1);
      await s.run(sub, [cmd('SET r3:k v'), cmd('GET r3:k')]);
      await s.run(pub, [cmd('PUBLISH r3:a m1')]);
      await s.read(sub, 1);
      await s.run(sub, [cmd('UNSUBSCRIBE r3:a'), cmd('PING')]);
    });
  });

  it('blocking commands: timeouts, wake-ups, XREAD BLOCK, CLIENT UNBLOCK by CLIENT ID', async () => {
    await conforms('blocking', async (s) => {
      const a = s.conn();
      const b = s.conn();
      await s.run(a, [cmd('BLPOP bl:none 0.05')]);
      await a.send(cmd('BLPOP bl:list 0'));
      await sleep(50);
      await s.run(b, [cmd('RPUSH bl:list one')]);
      await s.read(a, 1);
      await a.send(cmd('XREAD BLOCK 0 STREAMS bl:stream $'));
      await sleep(50);
      await s.run(b, [cmd('XADD bl:stream 1-1 f v')]);
      await s.read(a, 1);
      const [idReply] = await s.run(a, [cmd('CLIENT ID')], 1, maskInt);
      void idReply;
      const id = Number(/^:(\d+)/.exec((a.frames[a.frames.length - 1] ?? Buffer.alloc(0)).toString())![1]);
      await a.send(cmd('BLMOVE bl:src bl:dst LEFT RIGHT 0'));
      await sleep(50);
      await s.run(b, [['CLIENT', 'UNBLOCK', String(id)]]);
      await s.read(a, 1);
      await a.send(cmd('BRPOP bl:none2 0'));
      await sleep(50);
      await s.run(b, [['CLIENT', 'UNBLOCK', String(id), 'ERROR']]);
      await s.read(a, 1);
      await s.run(b, [['CLIENT', 'UNBLOCK', String(id)], cmd('WAIT 0 0')]);
    });
  });

  it('client-side caching: RESP3 tracking, RESP2 REDIRECT, BCAST', async () => {
    await conforms('tracking', async (s) => {
      const r3 = s.conn();
      const w = s.conn();
      await s.run(r3, [cmd('HELLO 3'), cmd('CLIENT TRACKING ON'), cmd('GET tc:a')]);
      await s.run(w, [cmd('SET tc:a 1')]);
      await s.read(r3, 1);
      const sink = s.conn();
      await s.run(sink, [cmd('CLIENT ID')], 1, maskInt);
      const sinkId = /^:(\d+)/.exec(sink.frames[0].toString())![1];
      await s.run(sink, [cmd('SUBSCRIBE __redis__:invalidate')], 1);
      const r2 = s.conn();
      await s.run(r2, [['CLIENT', 'TRACKING', 'ON', 'REDIRECT', sinkId], cmd('GET tc:b'), cmd('CLIENT GETREDIR')], 3, maskInt);
      await s.run(w, [cmd('SET tc:b 2')]);
      await s.read(sink, 1);
      const bc = s.conn();
      await s.run(bc, [cmd('HELLO 3'), cmd('CLIENT TRACKING ON BCAST PREFIX tc:p:')]);
      await s.run(w, [cmd('SET tc:p:1 x')]);
      await s.read(bc, 1);
      await s.run(r3, [cmd('CLIENT TRACKING OFF'), cmd('CLIENT TRACKINGINFO')]);
    });
  });

  it('CLIENT REPLY OFF / SKIP / ON', async () => {
    await conforms('client reply', async (s) => {
      const c = s.conn();
      await c.send(
        cmd('CLIENT REPLY SKIP'), cmd('SET cr:a 1'), cmd('GET cr:a'), cmd('CLIENT REPLY OFF'), cmd('INCR cr:a'),
        cmd('NOSUCH'), cmd('CLIENT REPLY SKIP'), cmd('CLIENT REPLY ON'), cmd('GET cr:a'), cmd('CLIENT REPLY BAD'),
      );
      await s.read(c, 4);
      await sleep(30);
      s.note(`unread: ${c.pending}`);
    });
  });

  it('CLIENT SETNAME / GETNAME / LIST / INFO / KILL', async () => {
    await conforms('client admin', async (s) => {
      const a = s.conn();
      const b = s.conn();
      await s.run(a, [cmd('CLIENT SETNAME alpha'), cmd('CLIENT GETNAME'), cmd('CLIENT SETNAME bad name'), cmd('CLIENT INFO')]);
      await s.run(b, [cmd('CLIENT SETNAME beta'), cmd('CLIENT LIST'), cmd('CLIENT LIST TYPE pubsub'), cmd('CLIENT LIST TYPE bogus')]);
      await s.run(b, [cmd('CLIENT KILL TYPE normal SKIPME yes')]);
      await a.waitClosed();
      s.note('alpha closed');
      await s.run(b, [cmd('CLIENT KILL 9.9.9.9:1'), cmd('CLIENT KILL ID 0'), cmd('CLIENT KILL TYPE normal SKIPME maybe'), cmd('CLIENT LIST')]);
      await s.run(b, [cmd('CLIENT KILL SKIPME no')]);
      await b.waitClosed();
      s.note('beta closed');
    });
  });

  it('per-user AUTH with ACL users (no interlay users configured)', async () => {
    await conforms('acl users', async (s) => {
      const c = s.conn();
      await s.run(c, [cmd('AUTH app wrong'), cmd('AUTH app app-pw'), cmd('ACL WHOAMI'), cmd('SET app:1 x'), cmd('SET other:1 x'), cmd('GET app:1')]);
      await s.run(c, [cmd('AUTH reader reader-pw'), cmd('ACL WHOAMI'), cmd('GET app:1'), cmd('SET app:2 y'), cmd('PUBLISH app:c m')]);
      await s.run(c, [cmd('AUTH nobody pw'), cmd('AUTH onlypassword')]);
      const h = s.conn();
      await s.run(h, [cmd('HELLO 2 AUTH app app-pw SETNAME viahello'), cmd('CLIENT GETNAME'), cmd('ACL WHOAMI'), cmd('HELLO 3 AUTH app bad')]);
      await s.run(h, [cmd('MULTI'), cmd('SET app:tx 1'), cmd('SET no:tx 1'), cmd('EXEC')]);
      await s.run(h, [cmd('RESET'), cmd('ACL WHOAMI')]);
    });
  });

  it('scripts returning deep and unusual replies', async () => {
    await conforms('scripts', async (s) => {
      const c = s.conn();
      const evals = [
        'return {1, {2, {3, {4, {5, "deep"}}}}}',
        'local a = {}; local b = {a}; a[1] = b; return a',
        "return redis.error_reply('MYERR custom')",
        "return redis.status_reply('FINE')",
        'return {1, 2, nil, 4}',
        'return 3.99',
        "redis.setresp(3); return {double=3.5}",
        "redis.setresp(3); return {map={a=1}}",
        "redis.setresp(3); return {big_number='123456789012345678901234567890'}",
        "redis.setresp(3); return {big_number='123\\r\\n123'}",
        "return string.rep('x', 100000)",
        "return redis.call('INCR', KEYS[1])",
      ];
      for (const proto of ['2', '3']) {
        await s.run(c, [['HELLO', proto]]);
        await s.run(c, evals.map((e) => ['EVAL', e, '1', 'sc:key']));
      }
      await s.run(c, [cmd('EVALSHA 0123456789012345678901234567890123456789 0'), ['SCRIPT', 'LOAD', 'return 42']]);
      await s.run(c, [['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0']]);
      await s.run(c, [['FUNCTION', 'LOAD', "#!lua name=conf\nredis.register_function('hi', function() return 'hi' end)"], cmd('FCALL hi 0')]);
    });
  });

  it('protocol errors: the error, then the connection closes', async () => {
    await conforms('protocol errors', async (s) => {
      for (const bad of ['*1\r\n$-5\r\n', '*abc\r\n', '*2\r\n$3\r\nGET\r\n:1\r\n', 'SET a "unbalanced\r\n', `*1\r\n$${2 ** 40}\r\n`]) {
        const c = s.conn();
        await s.run(c, [cmd('SET pe:a 1')]);
        await c.sendRaw(bad);
        await s.read(c, 1);
        await c.waitClosed();
        s.note('closed');
      }
    });
  });

  it('half-closes: every reply arrives, then the connection closes', async () => {
    await conforms('half-close', async (s) => {
      const c = s.conn();
      await c.sendRaw('PING\r\nSET hc:a b\r\nGET hc:a\r\nDEL hc:a\r\n');
      c.socket.end();
      await s.read(c, 4);
      await c.waitClosed();
      s.note('closed');
    });
  });

  it('databases, RESET and QUIT', async () => {
    await conforms('dbs', async (s) => {
      const c = s.conn();
      await s.run(c, [cmd('SELECT 3'), cmd('SET db:k three'), cmd('SELECT 0'), cmd('GET db:k'), cmd('SELECT 3'), cmd('GET db:k')]);
      await s.run(c, [cmd('SELECT 99'), cmd('DBSIZE'), cmd('RESET'), cmd('GET db:k'), cmd('QUIT')]);
      await c.waitClosed();
      s.note('closed');
    });
  });
});
