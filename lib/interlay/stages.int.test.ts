/**
 * Clients connected through all six stages (source → dual_write → shadow → canary →
 * target_primary → target), switched live while they work: pipelined commands see no error
 * and no reordered reply, a subscriber gets every message once and in order, a blocking
 * consumer gets every item once (a blocked call may end with its timeout reply at a primary
 * switch, as a timeout would), and WATCH-protected increments stay exact.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stage } from '@/lib/migration/stages';
import { compareServers } from '@/test/compare';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { backendFor, FramedClient, sleep, startInterlay } from './test-helpers';

let source: RedisServer;
let target: RedisServer;
let interlay: Interlay;

beforeAll(async () => {
  [source, target] = await Promise.all([startRedis(), startRedis()]);
  interlay = await startInterlay(backendFor(source));
  await interlay.waitForBackend();
});

afterAll(async () => {
  await interlay.stop({ drainTimeoutMs: 200 });
  await Promise.all([source.stop(), target.stop()]);
});

const STAGES: Stage[] = ['source', 'dual_write', 'shadow', 'canary', 'target_primary', 'target'];

it('pipelines, pub/sub, blocking pops and WATCH keep working across every stage change', async () => {
  let stop = false;
  const errors: string[] = [];

  // 1. Pipelined INCRs and a GET: replies strictly in order.
  const seq = new FramedClient(interlay.port);
  let lastSeq = 0;
  const seqLoop = (async () => {
    while (!stop) {
      await seq.send(['INCR', 'st:seq'], ['INCR', 'st:seq'], ['INCR', 'st:seq'], ['GET', 'st:seq']);
      const got = [await seq.replyText(), await seq.replyText(), await seq.replyText(), await seq.replyText()];
      const n = got.slice(0, 3).map((r) => Number(/^:(\d+)\r\n$/.exec(r)?.[1] ?? NaN));
      const g = Number(/^\$\d+\r\n(\d+)\r\n$/.exec(got[3])?.[1] ?? NaN);
      if (!(n[0] === lastSeq + 1 && n[1] === n[0] + 1 && n[2] === n[1] + 1 && g === n[2])) errors.push(`seq: after ${lastSeq} got ${JSON.stringify(got)}`);
      lastSeq = n[2];
    }
  })();

  // 2. Pub/sub: every message once, in order.
  const sub = new FramedClient(interlay.port);
  await sub.send(['SUBSCRIBE', 'st:news']);
  expect(await sub.replyText()).toContain('subscribe');
  const pub = new FramedClient(interlay.port);
  let published = 0;
  const received: number[] = [];
  const pubLoop = (async () => {
    while (!stop) {
      const r = await pub.call('PUBLISH', 'st:news', String(published));
      if (!/^:\d+\r\n$/.test(r)) errors.push(`publish: ${r}`);
      published++;
      await sleep(2);
    }
  })();
  const subLoop = (async () => {
    while (!stop || received.length < published) {
      let m: string;
      try {
        m = await sub.replyText(3000);
      } catch {
        if (stop) break;
        continue;
      }
      const v = /\$7\r\nmessage\r\n\$7\r\nst:news\r\n\$\d+\r\n(\d+)\r\n$/.exec(m);
      if (v === null) errors.push(`subscriber: ${JSON.stringify(m)}`);
      else received.push(Number(v[1]));
    }
  })();

  // 3. A blocking consumer and a producer: every item once, in order.
  const consumer = new FramedClient(interlay.port);
  const producer = new FramedClient(interlay.port);
  let pushed = 0;
  const popped: number[] = [];
  const prodLoop = (async () => {
    while (!stop) {
      const r = await producer.call('RPUSH', 'st:q', String(pushed++));
      if (!/^:\d+\r\n$/.test(r)) errors.push(`rpush: ${r}`);
      await sleep(3);
    }
  })();
  const consLoop = (async () => {
    while (!stop || popped.length < pushed) {
      const r = await consumer.call('BLPOP', 'st:q', '1');
      if (r === '*-1\r\n') {
        if (stop) break;
        continue;
      }
      const v = /^\*2\r\n\$4\r\nst:q\r\n\$\d+\r\n(\d+)\r\n$/.exec(r);
      if (v === null) errors.push(`blpop: ${JSON.stringify(r)}`);
      else popped.push(Number(v[1]));
    }
  })();

  // 4. Optimistic increments under WATCH.
  const watcher = new FramedClient(interlay.port);
  let committed = 0;
  const watchLoop = (async () => {
    while (!stop) {
      await watcher.call('WATCH', 'st:w');
      const cur = Number(/^\$\d+\r\n(\d+)/.exec(await watcher.call('GET', 'st:w'))?.[1] ?? 0);
      await watcher.send(['MULTI'], ['SET', 'st:w', String(cur + 1)], ['EXEC']);
      const [m, q, e] = [await watcher.replyText(), await watcher.replyText(), await watcher.replyText()];
      if (m !== '+OK\r\n' || q !== '+QUEUED\r\n' || !(e === '*1\r\n+OK\r\n' || e === '*-1\r\n')) errors.push(`watch: ${JSON.stringify([m, q, e])}`);
      if (e === '*1\r\n+OK\r\n') committed++;
    }
  })();

  try {
    for (const stage of STAGES) {
      await interlay.setRouting({ stage, policy: 'SourceAuthoritative', target: backendFor(target), mirrors: [], canaryPercent: 50, shadowSampleRate: 0.5 });
      await sleep(400);
      expect(errors, `after switching to ${stage}`).toEqual([]);
    }
  } finally {
    stop = true;
    await Promise.all([seqLoop, pubLoop, prodLoop, watchLoop]);
    await Promise.all([subLoop, consLoop]);
    for (const c of [seq, sub, pub, consumer, producer, watcher]) c.close();
  }
  expect(errors).toEqual([]);
  expect(lastSeq).toBeGreaterThan(30);
  expect(received).toEqual(Array.from({ length: published }, (_, i) => i));
  expect(popped).toEqual(Array.from({ length: pushed }, (_, i) => i));
  expect(committed).toBeGreaterThan(10);
  // The last stage serves from the target: it holds every committed increment.
  expect(target.cli('GET', 'st:w').trim()).toBe(String(committed));
  expect(target.cli('GET', 'st:seq').trim()).toBe(String(lastSeq));
});

it('real client libraries (ioredis auto-pipelined, node-redis RESP3 pub/sub) through the stages to target_primary and back to dual_write: no error, replies in step, and the sides end identical', async () => {
  const { Redis } = await import('ioredis');
  const { createClient } = await import('redis');
  const route = (stage: Stage) => interlay.setRouting({ stage, policy: 'SourceAuthoritative', target: backendFor(target), mirrors: [], canaryPercent: 50, shadowSampleRate: 0.5 });
  await route('source');
  source.cli('FLUSHALL');
  target.cli('FLUSHALL');
  // Both sides empty and every write from here on mirrored: no copy is needed for them to agree.
  await route('dual_write');
  const io = new Redis({ host: '127.0.0.1', port: interlay.port, enableAutoPipelining: true, maxRetriesPerRequest: 0 });
  const sub = createClient({ url: `redis://127.0.0.1:${interlay.port}`, RESP: 3 });
  sub.on('error', () => undefined);
  await sub.connect();
  const errors: string[] = [];
  const received: number[] = [];
  await sub.subscribe('rc:news', (m) => received.push(Number(m)));
  let stop = false;
  let counter = 0;
  let published = 0;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        // Twenty commands at a time share one auto-pipeline; their replies must match them.
        const [n, , h, len] = await Promise.all([
          io.incr('rc:counter'),
          io.set(`rc:s:${i % 500}`, `v${i}`),
          io.hincrby('rc:h', `f${i % 7}`, 1),
          io.rpush('rc:l', String(i)),
          ...Array.from({ length: 16 }, (_, j) => io.set(`rc:p:${(i * 16 + j) % 2000}`, String(i))),
        ]);
        if (n !== counter + 1) errors.push(`incr: expected ${counter + 1}, got ${n}`);
        counter = n;
        if (typeof h !== 'number' || typeof len !== 'number') errors.push(`replies out of step: ${JSON.stringify([h, len])}`);
        if (i % 50 === 0) await io.ltrim('rc:l', -100, -1);
        if (i % 10 === 0) await io.publish('rc:news', String(published++));
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
  })();
  try {
    const walk: Stage[] = ['shadow', 'canary', 'target_primary', 'canary', 'shadow', 'dual_write'];
    for (const stage of walk) {
      await sleep(300);
      await route(stage);
      expect(errors, `after switching to ${stage}`).toEqual([]);
    }
    await sleep(300);
  } finally {
    stop = true;
    await writer;
  }
  await sleep(200);
  io.disconnect();
  await sub.quit().catch(() => undefined);
  expect(errors).toEqual([]);
  expect(counter).toBeGreaterThan(50);
  expect(received).toEqual(Array.from({ length: published }, (_, i) => i));
  // Back in dual_write after the rollback from target_primary: once drained, nothing differs.
  await interlay.waitMirrorDrained();
  const cmp = await compareServers(source, target);
  expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
  expect(Number(source.cli('GET', 'rc:counter').trim())).toBe(counter);
  await route('source');
});
