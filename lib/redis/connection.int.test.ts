import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedis, type RedisServer } from '../../test/redis-server';
import { encodeCommands } from '../resp/encode';
import { RespDouble, RespError, RespMap, RespPush, RespSet, type RespValue } from '../resp/types';
import { RedisConnection, type RedisConnectionOptions } from './connection';
import { RedisClientError } from './errors';

let plain: RedisServer;
let withPassword: RedisServer;
let withAcl: RedisServer;
let withTls: RedisServer;
const open: RedisConnection[] = [];

beforeAll(async () => {
  [plain, withPassword, withAcl, withTls] = await Promise.all([
    startRedis(),
    startRedis({ password: 's3cret' }),
    startRedis({ aclUsers: ['user alice on >pw ~* +@all', 'user default off'] }),
    startRedis({ tls: true }),
  ]);
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await Promise.all([plain, withPassword, withAcl, withTls].filter(Boolean).map((s) => s.stop()));
});

async function connect(server: RedisServer, extra: Partial<RedisConnectionOptions> = {}): Promise<RedisConnection> {
  const c = new RedisConnection({ host: server.host, port: server.port, ...extra });
  open.push(c);
  await c.connect();
  return c;
}

async function expectCode(p: Promise<unknown>, code: string): Promise<RedisClientError> {
  const err = await p.then(() => { throw new Error('expected a rejection'); }, (e: unknown) => e);
  expect(err).toBeInstanceOf(RedisClientError);
  expect((err as RedisClientError).code, (err as Error).message).toBe(code);
  return err as RedisClientError;
}

describe('RedisConnection: connect and authenticate', () => {
  it('talks RESP2 to a plain server', async () => {
    const c = await connect(plain);
    expect(await c.call('PING')).toBe('PONG');
    expect(await c.call('SET', 'plain:k', 'v')).toBe('OK');
    expect(await c.call('GET', 'plain:k')).toStrictEqual(Buffer.from('v'));
    expect(await c.call('GET', 'plain:missing')).toBeNull();
    expect(await c.call('INCRBY', 'plain:n', 5)).toBe(5);
  });

  it('returns error replies as values and rejects them with callOrThrow', async () => {
    const c = await connect(plain);
    await c.call('SET', 'err:str', 'x');
    const v = await c.call('LPUSH', 'err:str', 'y');
    expect(v).toBeInstanceOf(RespError);
    expect((v as RespError).code).toBe('WRONGTYPE');
    const e = await expectCode(c.callOrThrow('LPUSH', 'err:str', 'y'), 'REPLY');
    expect(e.reply?.code).toBe('WRONGTYPE');
    expect(await c.call('PING')).toBe('PONG'); // connection still fine
  });

  it('authenticates with requirepass (RESP2 and RESP3) and rejects a wrong password with AUTH', async () => {
    const c2 = await connect(withPassword, { password: 's3cret' });
    expect(await c2.call('PING')).toBe('PONG');
    const c3 = await connect(withPassword, { password: 's3cret', protocol: 3 });
    expect(await c3.call('PING')).toBe('PONG');
    const wrong = new RedisConnection({ host: withPassword.host, port: withPassword.port, password: 'nope' });
    const e = await expectCode(wrong.connect(), 'AUTH');
    expect(e.message).toMatch(/authentication .* failed/);
    await expectCode(new RedisConnection({ host: withPassword.host, port: withPassword.port, password: 'nope', protocol: 3 }).connect(), 'AUTH');
  });

  it('reports NOAUTH when the server needs a password and none is given', async () => {
    await expectCode(new RedisConnection({ host: withPassword.host, port: withPassword.port, protocol: 3 }).connect(), 'NOAUTH');
    // RESP2 has no handshake to fail: the first command gets the NOAUTH error reply.
    const c = await connect(withPassword);
    expect(((await c.call('PING')) as RespError).code).toBe('NOAUTH');
  });

  it('authenticates an ACL user, and rejects a wrong one', async () => {
    const c = await connect(withAcl, { username: 'alice', password: 'pw', protocol: 3, clientName: 'acl-test' });
    expect(await c.call('ACL', 'WHOAMI')).toStrictEqual(Buffer.from('alice'));
    expect(await c.call('CLIENT', 'GETNAME')).toStrictEqual(Buffer.from('acl-test'));
    const c2 = await connect(withAcl, { username: 'alice', password: 'pw' });
    expect(await c2.call('ACL', 'WHOAMI')).toStrictEqual(Buffer.from('alice'));
    await expectCode(new RedisConnection({ host: withAcl.host, port: withAcl.port, username: 'alice', password: 'bad' }).connect(), 'AUTH');
  });

  it('selects a database and sets the client name over RESP2', async () => {
    const c = await connect(plain, { db: 3, clientName: 'db3' });
    await c.call('SET', 'db3:k', '1');
    expect(await c.call('CLIENT', 'GETNAME')).toStrictEqual(Buffer.from('db3'));
    expect(plain.cli('-n', '3', 'GET', 'db3:k').trim()).toBe('1');
    expect(plain.cli('-n', '0', 'EXISTS', 'db3:k').trim()).toBe('0');
    await expectCode(new RedisConnection({ host: plain.host, port: plain.port, db: 99 }).connect(), 'HANDSHAKE');
  });

  it('connects over TLS with the CA, and fails with TLS without it', async () => {
    const c = await connect(withTls, { tls: { ca: withTls.tls!.ca } });
    expect(await c.call('PING')).toBe('PONG');
    const e = await expectCode(new RedisConnection({ host: withTls.host, port: withTls.port, tls: true }).connect(), 'TLS');
    expect(e.message).toMatch(/TLS with 127\.0\.0\.1:\d+ failed/);
    // Plain TCP to a TLS port does not get a reply; TLS to a plain port fails the handshake.
    const e2 = await expectCode(new RedisConnection({ host: plain.host, port: plain.port, tls: true, connectTimeoutMs: 500 }).connect(), 'TLS');
    expect(e2.message).toMatch(/does this port speak TLS/);
  });

  it('fails with ECONNREFUSED on a closed port and ETIMEDOUT on a silent one', async () => {
    const port = await freePort();
    const e = await expectCode(new RedisConnection({ host: '127.0.0.1', port }).connect(), 'ECONNREFUSED');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    // A listener that accepts and never answers: the handshake (AUTH) times out...
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const silentPort = (silent.address() as { port: number }).port;
    await expectCode(new RedisConnection({ host: '127.0.0.1', port: silentPort, password: 'x', connectTimeoutMs: 200 }).connect(), 'ETIMEDOUT');
    // ...and without a handshake, a command times out.
    const c = new RedisConnection({ host: '127.0.0.1', port: silentPort, commandTimeoutMs: 200 });
    await c.connect();
    await expectCode(c.call('PING'), 'ETIMEDOUT');
    await c.close();
    for (const s of sockets) s.destroy();
    silent.close();
  });
});

describe('RedisConnection: RESP3', () => {
  it('decodes maps, doubles, booleans, sets and nulls', async () => {
    const c = await connect(plain, { protocol: 3 });
    await c.call('HSET', 'r3:h', 'f1', 'v1', 'f2', 'v2');
    const h = await c.call('HGETALL', 'r3:h');
    expect(h).toBeInstanceOf(RespMap);
    expect((h as RespMap).toObject()).toEqual({ f1: Buffer.from('v1'), f2: Buffer.from('v2') });
    const cfg = await c.call('CONFIG', 'GET', 'maxmemory-policy');
    expect((cfg as RespMap).get('maxmemory-policy')).toStrictEqual(Buffer.from('noeviction'));
    await c.call('ZADD', 'r3:z', '1.5', 'm');
    expect(await c.call('ZSCORE', 'r3:z', 'm')).toStrictEqual(new RespDouble(1.5));
    await c.call('ZADD', 'r3:z', 'inf', 'top');
    expect(await c.call('ZSCORE', 'r3:z', 'top')).toStrictEqual(new RespDouble(Infinity));
    expect(await c.call('GET', 'r3:none')).toBeNull();
    const hello = (await c.call('HELLO', '3')) as RespMap;
    expect(hello.get('proto')).toBe(3);
    await c.call('SADD', 'r3:s', 'a');
    expect(await c.call('SMEMBERS', 'r3:s')).toStrictEqual(new RespSet([Buffer.from('a')]));
    // Booleans: RESP3 scripts return true as #t.
    expect(await c.call('EVAL', 'redis.setresp(3); return true', 0)).toBe(true);
    expect(await c.call('EVAL', 'redis.setresp(3); return {double=3.25}', 0)).toStrictEqual(new RespDouble(3.25));
  });

  it('delivers push frames (pub/sub) through the push event, not as replies', async () => {
    const sub = await connect(plain, { protocol: 3 });
    const pub = await connect(plain);
    const pushes: RespPush[] = [];
    sub.on('push', (p) => pushes.push(p));
    sub.send('SUBSCRIBE', 'r3:chan');
    await expect.poll(() => pushes.length).toBe(1);
    expect(pushes[0].kind).toBe('subscribe');
    // RESP3 allows normal commands on a subscribed connection; replies still match FIFO.
    expect(await sub.call('PING')).toBe('PONG');
    await pub.call('PUBLISH', 'r3:chan', 'hello');
    await expect.poll(() => pushes.length).toBe(2);
    expect(pushes[1].items).toStrictEqual([Buffer.from('message'), Buffer.from('r3:chan'), Buffer.from('hello')]);
  });
});

describe('RedisConnection: throughput and data', () => {
  it('runs a 20,000-command pipeline in one write, in order', async () => {
    const c = await connect(plain);
    const n = 20_000;
    const sets = Array.from({ length: n }, (_, i) => ['SET', `pipe:${i}`, String(i)]);
    const ok = await c.pipeline(sets);
    expect(ok.every((r) => r === 'OK')).toBe(true);
    const got = await c.pipeline(Array.from({ length: n }, (_, i) => ['GET', `pipe:${i}`]));
    expect(got.map((b) => Number(String(b)))).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('keeps replies in order across many concurrent calls', async () => {
    const c = await connect(plain);
    const results = await Promise.all(Array.from({ length: 5000 }, (_, i) => c.call('ECHO', `m${i}`)));
    expect(results.every((r, i) => String(r) === `m${i}`)).toBe(true);
  });

  it('round-trips binary keys and values, and copies with DUMP/RESTORE via sendRaw', async () => {
    const c = await connect(plain);
    const key = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x80]);
    const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await c.call('SET', key, value);
    expect(await c.call('GET', key)).toStrictEqual(value);
    const [dump, pttl] = await c.pipeline([['DUMP', key], ['PTTL', key]]);
    const restored = await c.sendRaw(encodeCommands([['RESTORE', Buffer.concat([key, Buffer.from('copy')]), Math.max(0, pttl as number), dump as Buffer]]), 1);
    expect(restored).toEqual(['OK']);
    expect(await c.call('GET', Buffer.concat([key, Buffer.from('copy')]))).toStrictEqual(value);
  });

  it('round-trips a 50 MB value', async () => {
    const c = await connect(plain);
    const big = Buffer.alloc(50 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    expect(await c.call('SET', 'big:50mb', big)).toBe('OK');
    const back = (await c.call('GET', 'big:50mb')) as Buffer;
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
    await c.call('DEL', 'big:50mb');
  });
});

describe('RedisConnection: failures', () => {
  it('rejects pending calls promptly when the server is killed, and later calls too', async () => {
    const victim = await startRedis();
    const c = new RedisConnection({ host: victim.host, port: victim.port });
    await c.connect();
    const closed = new Promise<RedisClientError | undefined>((r) => c.once('close', r));
    // Handlers attached up front: both reject in the same tick.
    const blocked = expectCode(c.call('BLPOP', 'never', 0), 'ECONNRESET'); // pending until the server dies
    const more = expectCode(c.pipeline([['BLPOP', 'never2', 0], ['PING']]), 'ECONNRESET');
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await victim.kill();
    await Promise.all([blocked, more]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect((await closed)?.code).toBe('ECONNRESET');
    expect(c.status).toBe('closed');
    await expectCode(c.call('PING'), 'ECONNRESET');
  });

  it('close() rejects pending calls with ECLOSED; quit() closes cleanly', async () => {
    const c = await connect(plain);
    const blocked = c.call('BLPOP', 'close:never', 0);
    await c.close();
    await expectCode(blocked, 'ECLOSED');
    await expectCode(c.call('PING'), 'ECLOSED');
    const q = await connect(plain);
    await q.quit();
    expect(q.status).toBe('closed');
  });

  it('times out a slow command without breaking reply order', async () => {
    const c = await connect(plain, { commandTimeoutMs: 300 });
    await expectCode(c.call('BLPOP', 'timeout:list', '0.5'), 'ETIMEDOUT');
    // The late BLPOP reply (nil at 0.5 s) is discarded; the next call gets its own reply.
    expect(await c.call('ECHO', 'after')).toStrictEqual(Buffer.from('after'));
  });

  it('connects lazily on first call', async () => {
    const c = new RedisConnection({ host: plain.host, port: plain.port });
    open.push(c);
    expect(c.status).toBe('idle');
    const replies: RespValue[] = await Promise.all([c.call('PING'), c.call('ECHO', 'x')]);
    expect(replies).toStrictEqual(['PONG', Buffer.from('x')]);
  });
});
