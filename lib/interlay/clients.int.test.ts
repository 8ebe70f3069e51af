/**
 * Real clients (ioredis RESP2, node-redis RESP2 and RESP3, redis-cli) through the interlay
 * against a spawned redis-server.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { redisAndInterlay, sleep } from './test-helpers';

let server: RedisServer;
let interlay: Interlay;
let port: number;
const open: { disconnect(): unknown }[] = [];

let ioProtocol: 2 | 3 = 2;

function ioredis(opts: Record<string, unknown> = {}): Redis {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, protocol: ioProtocol, ...opts });
  open.push(r);
  return r;
}

async function nodeRedis(resp: 2 | 3, db = 0) {
  const c = createClient({ url: `redis://127.0.0.1:${port}/${db}`, RESP: resp });
  c.on('error', () => undefined);
  await c.connect();
  open.push({ disconnect: () => c.destroy() });
  return c;
}

beforeAll(async () => {
  ({ server, interlay } = await redisAndInterlay());
  port = interlay.port;
});

afterAll(async () => {
  for (const c of open) c.disconnect();
  await interlay.stop({ drainTimeoutMs: 500 });
  await server.stop();
});

describe.each([2, 3] as const)('ioredis RESP%i', (proto) => {
  beforeAll(() => {
    ioProtocol = proto;
  });

  it('runs commands and a 1,000-command pipeline in order', async () => {
    const r = ioredis();
    expect(await r.set('io:a', 'v')).toBe('OK');
    expect(await r.get('io:a')).toBe('v');
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.rpush(`io:list:${proto}`, String(i));
    p.lrange(`io:list:${proto}`, 0, -1);
    const res = (await p.exec())!;
    expect(res).toHaveLength(1001);
    for (let i = 0; i < 1000; i++) expect(res[i]).toEqual([null, i + 1]);
    expect(res[1000][1]).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
  });

  it('keeps each client\'s replies its own when many clients pipeline at once', async () => {
    const clients = Array.from({ length: 20 }, () => ioredis());
    await Promise.all(
      clients.map(async (c, ci) => {
        const p = c.pipeline();
        for (let i = 0; i < 200; i++) p.set(`io:m:${ci}:${i}`, `${ci}-${i}`).get(`io:m:${ci}:${i}`);
        const res = (await p.exec())!;
        for (let i = 0; i < 200; i++) expect(res[2 * i + 1][1]).toBe(`${ci}-${i}`);
      }),
    );
  });

  it('MULTI/EXEC works, and a WATCH conflict makes EXEC return null', async () => {
    const a = ioredis();
    const b = ioredis();
    await a.del('io:tx', 'io:after-tx');
    expect(await a.multi().set('io:tx', '1').incr('io:tx').exec()).toEqual([[null, 'OK'], [null, 2]]);
    await a.watch('io:tx');
    await b.set('io:tx', 'changed');
    expect(await a.multi().set('io:tx', 'mine').exec()).toBeNull();
    expect(await a.get('io:tx')).toBe('changed');
    // After the transaction the client is back on the shared conn and still works.
    expect(await a.incr('io:after-tx')).toBe(1);
  });

  it('pub/sub with several channels and patterns, then back to normal commands', async () => {
    const sub = ioredis();
    const pub = ioredis();
    const got: string[] = [];
    sub.on('message', (ch, msg) => got.push(`${ch}:${msg}`));
    sub.on('pmessage', (pat, ch, msg) => got.push(`${pat}|${ch}:${msg}`));
    expect(await sub.subscribe('io:c1', 'io:c2', 'io:c3')).toBe(3);
    expect(await sub.psubscribe('io:p:*', 'io:q:*')).toBe(5);
    await pub.publish('io:c1', 'one');
    await pub.publish('io:c3', 'three');
    await pub.publish('io:p:x', 'px');
    await pub.publish('io:q:y', 'qy');
    await sleep(100);
    expect(got.sort()).toEqual(['io:c1:one', 'io:c3:three', 'io:p:*|io:p:x:px', 'io:q:*|io:q:y:qy']);
    await sub.unsubscribe('io:c1');
    await pub.publish('io:c1', 'not delivered');
    await sleep(50);
    expect(got).not.toContain('io:c1:not delivered');
    // Explicit lists: ioredis 6 in RESP3 never resolves a bare UNSUBSCRIBE (also against Redis directly).
    await sub.unsubscribe('io:c2', 'io:c3');
    await sub.punsubscribe('io:p:*', 'io:q:*');
    expect(await sub.set('io:after-sub', 'x')).toBe('OK');
    expect(await sub.get('io:after-sub')).toBe('x');
  });

  it('a blocking pop is woken by another client; other clients are not blocked meanwhile', async () => {
    const waiter = ioredis();
    const other = ioredis();
    const popped = waiter.blpop('io:bq', 5);
    await sleep(100);
    expect(await other.get('io:a')).toBe('v'); // the shared conn is not blocked
    await other.rpush('io:bq', 'job');
    expect(await popped).toEqual(['io:bq', 'job']);
    expect(await waiter.brpop('io:bq-empty', 0.1)).toBeNull();
    expect(await waiter.ping()).toBe('PONG');
  });

  it('SELECT isolates two clients; multiplexed clients stay in db 0', async () => {
    const a = ioredis({ db: 2 });
    const b = ioredis();
    await a.select(2);
    await a.set('io:sel', 'db2');
    await b.set('io:sel', 'db0');
    expect(await a.get('io:sel')).toBe('db2');
    expect(await b.get('io:sel')).toBe('db0');
    await a.select(0);
    expect(await a.get('io:sel')).toBe('db0');
    expect(await a.select(99).catch((e: Error) => e.message)).toMatch(/DB index is out of range/);
    expect(await a.get('io:sel')).toBe('db0');
  });

  it('binary keys and values survive the round trip', async () => {
    const r = ioredis();
    const key = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x24]);
    const value = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256));
    await r.set(key, value);
    expect(Buffer.compare((await r.getBuffer(key))!, value)).toBe(0);
  });

  it('a 50 MB value goes through and comes back intact', async () => {
    const r = ioredis();
    const big = Buffer.alloc(50 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    await r.set('io:big', big);
    const back = await r.getBuffer('io:big');
    expect(back!.length).toBe(big.length);
    expect(Buffer.compare(back!, big)).toBe(0);
    await r.del('io:big');
  });

  it('1,000 concurrent client connections all work', async () => {
    const clients = Array.from({ length: 1000 }, () => new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, protocol: proto }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      const res = await Promise.all(clients.map((c, i) => c.set(`io:k:${i}`, String(i)).then(() => c.get(`io:k:${i}`))));
      res.forEach((v, i) => expect(v).toBe(String(i)));
      expect(interlay.metrics().connections.current).toBeGreaterThanOrEqual(1000);
    } finally {
      clients.forEach((c) => c.disconnect());
    }
  });

  it('CLIENT SETNAME / GETNAME / ID are per client session', async () => {
    const a = ioredis();
    const b = ioredis();
    expect(await a.client('SETNAME', 'alpha')).toBe('OK');
    expect(await a.client('GETNAME')).toBe('alpha');
    expect(await b.client('GETNAME')).toBeNull();
    const idA = await a.client('ID');
    const idB = await b.client('ID');
    expect(typeof idA).toBe('number');
    expect(idA).not.toBe(idB);
    expect(await a.client('SETNAME', 'has space').catch((e: Error) => e.message)).toMatch(/cannot contain spaces/);
  });
});

describe.each([2, 3] as const)('node-redis RESP%i', (resp) => {
  it('commands, pipelines and MULTI', async () => {
    const c = await nodeRedis(resp);
    const k = `nr${resp}`;
    await c.set(`${k}:a`, '1');
    expect(await c.get(`${k}:a`)).toBe('1');
    await c.hSet(`${k}:h`, { f1: 'v1', f2: 'v2' });
    const h = await c.hGetAll(`${k}:h`);
    expect({ ...h }).toEqual({ f1: 'v1', f2: 'v2' });
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => c.incr(`${k}:ctr`).then((v) => [i, v])));
    replies.forEach(([i, v]) => expect(v).toBe(i + 1));
    const tx = await c.multi().set(`${k}:t`, 'x').get(`${k}:t`).exec();
    expect(tx).toEqual(['OK', 'x']);
  });

  it('WATCH conflict aborts EXEC (null)', async () => {
    const c = await nodeRedis(resp);
    const other = await nodeRedis(resp);
    const k = `nr${resp}:w`;
    await c.set(k, '0');
    // Raw commands on one node-redis connection: WATCH, then a conflicting write elsewhere.
    await c.sendCommand(['WATCH', k]);
    await other.set(k, 'changed');
    const res = await c.sendCommand(['MULTI']).then(() => c.sendCommand(['SET', k, 'mine'])).then(() => c.sendCommand(['EXEC']));
    expect(res).toBeNull();
    expect(await c.get(k)).toBe('changed');
  });

  it('pub/sub with channels and patterns', async () => {
    const sub = await nodeRedis(resp);
    const pub = await nodeRedis(resp);
    const got: string[] = [];
    await sub.subscribe([`nr${resp}:c1`, `nr${resp}:c2`], (msg, ch) => got.push(`${ch}:${msg}`));
    await sub.pSubscribe(`nr${resp}:p:*`, (msg, ch) => got.push(`p ${ch}:${msg}`));
    await pub.publish(`nr${resp}:c2`, 'two');
    await pub.publish(`nr${resp}:p:z`, 'zed');
    await sleep(100);
    expect(got.sort()).toEqual([`nr${resp}:c2:two`, `p nr${resp}:p:z:zed`]);
    await sub.unsubscribe();
    await sub.pUnsubscribe();
    if (resp === 3) {
      // RESP3 allows normal commands on the same connection again.
      expect(await sub.ping()).toBe('PONG');
    }
  });

  it('HELLO reply looks like Redis and reports the negotiated protocol', async () => {
    const c = await nodeRedis(resp);
    const hello = (await c.sendCommand(['HELLO', String(resp)])) as unknown;
    const obj = resp === 3 ? Object.fromEntries(hello instanceof Map ? hello : Object.entries(hello as object)) : pairs(hello as unknown[]);
    expect(String(obj.server)).toBe('redis');
    expect(Number(obj.proto)).toBe(resp);
    expect(String(obj.version)).toMatch(/^\d+\.\d+/);
    expect(obj).toHaveProperty('id');
    expect(obj).toHaveProperty('mode');
  });

  it('blocking pop woken by another client, and SELECT isolation', async () => {
    const waiter = await nodeRedis(resp);
    const other = await nodeRedis(resp);
    const popped = waiter.blPop(`nr${resp}:q`, 5);
    await sleep(50);
    await other.rPush(`nr${resp}:q`, 'job');
    expect(await popped).toEqual({ key: `nr${resp}:q`, element: 'job' });
    const db3 = await nodeRedis(resp, 3);
    await db3.set(`nr${resp}:sel`, 'three');
    expect(await other.get(`nr${resp}:sel`)).toBeNull();
    expect(await db3.get(`nr${resp}:sel`)).toBe('three');
  });
});

function pairs(a: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i < a.length; i += 2) o[String(a[i])] = a[i + 1];
  return o;
}

describe('redis-cli', () => {
  it('runs a scripted session from stdin', async () => {
    const script = ['SET cli:k hello', 'GET cli:k', 'CLIENT SETNAME cli', 'CLIENT GETNAME', 'MULTI', 'INCR cli:n', 'INCR cli:n', 'EXEC', 'SELECT 1', 'GET cli:k', 'SELECT 0', 'GET cli:k', ''].join('\n');
    const child = spawn('redis-cli', ['-p', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stdin.end(script);
    await new Promise((r) => child.once('exit', r));
    expect(out.trim().split('\n')).toEqual(['OK', 'hello', 'OK', 'cli', 'OK', 'QUEUED', 'QUEUED', '1', '2', 'OK', '', 'OK', 'hello']);
  });
});
