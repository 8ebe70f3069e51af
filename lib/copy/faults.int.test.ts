import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../redis/connection';
import { startRedis, type RedisServer } from '../../test/redis-server';
import { startHoldingProxy, startOlderServerProxy, startRestoreRejectingProxy } from './fake-proxy';
import { CopyRun, MemoryCopyStore, repair, retryErrorKeys, verify, type Checkpoint, type CopyProgress, type RecoveryNotice } from './index';
import { bulk, connect, diffSnapshots, fillAllTypes, ok, quietLog, snapshot, specFor, targetOf } from './test-helpers';
import { num } from './typed';

const servers: RedisServer[] = [];
const conns: RedisConnection[] = [];

async function server(opts: Parameters<typeof startRedis>[0] = {}): Promise<RedisServer> {
  const s = await startRedis(opts);
  servers.push(s);
  return s;
}

async function c(s: RedisServer, db = 0): Promise<RedisConnection> {
  const x = await connect(s, db);
  conns.push(x);
  return x;
}

async function fillStrings(s: RedisServer, n: number, valueBytes = 20, prefix = 'k'): Promise<void> {
  const x = await c(s);
  const cmds = [];
  for (let i = 0; i < n; i++) cmds.push(['SET', `${prefix}${i}`, `${i}:`.padEnd(valueBytes, 'v')]);
  await bulk(x, cmds);
}

async function expectSame(a: RedisServer, b: RedisServer): Promise<void> {
  expect(diffSnapshots(await snapshot(await c(a)), await snapshot(await c(b)))).toEqual([]);
}

function firstProgress(run: CopyRun, pred: (p: CopyProgress) => boolean): Promise<CopyProgress> {
  return new Promise((resolve) => {
    const on = (p: CopyProgress) => {
      if (pred(p)) {
        run.off('progress', on);
        resolve(p);
      }
    };
    run.on('progress', on);
  });
}

afterEach(async () => {
  await Promise.all(conns.splice(0).map((x) => x.close()));
  await Promise.all(servers.splice(0).map((s) => s.kill()));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
});

describe('copy faults', () => {
  it('falls back to a type-based copy when the target rejects DUMP payloads', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillAllTypes(await c(src));
    const proxy = await startRestoreRejectingProxy(tgt.port);
    try {
      const spec = specFor(src, [tgt]);
      spec.targets = [targetOf({ host: '127.0.0.1', port: proxy.port })];
      const p = await new CopyRun(spec, new MemoryCopyStore(), { log: quietLog }).run();
      expect(proxy.rejected).toBeGreaterThan(0);
      expect(p.errors).toBe(0);
      expect(p.copied).toBe(p.scanned);
      await expectSame(src, tgt);

      // fallback 'never': the same rejection becomes final error keys.
      tgt.cli('FLUSHALL');
      const store = new MemoryCopyStore();
      const p2 = await new CopyRun({ ...spec, fallback: 'never' }, store, { log: quietLog }).run();
      expect(p2.errors).toBe(p2.scanned);
      expect(store.errors().every((e) => e.errorClass === 'target_rejected_payload' && !e.retryable)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('resumes after a crash: same final data, counts not doubled, no false conflicts under None', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 4000);
    const x = await c(src);
    await bulk(x, Array.from({ length: 300 }, (_, i) => ['HSET', `h${i}`, ...Array.from({ length: 20 }, (_, j) => [`f${j}`, `v${j}`]).flat()]));
    await bulk(x, Array.from({ length: 300 }, (_, i) => ['SADD', `s${i}`, ...Array.from({ length: 300 }, (_, j) => `member-${j}`)]));
    const spec = specFor(src, [tgt], { conflictPolicy: 'None', batchSize: 100, scanCount: 100, concurrency: 4 });

    // The "process" dies right after its 4th checkpoint reached the store: the batches it had
    // going on land on the target (until it stops, at its 8th save), but no later save is
    // kept. So the target always holds keys the resumed run must copy again.
    let persisted: Checkpoint | undefined;
    const crashing = new MemoryCopyStore();
    // Saves as often as they can (not coalesced to every 250 ms), so the 8th falls mid-copy.
    const run1 = new CopyRun(spec, crashing, { log: quietLog, checkpointIntervalMs: 0 });
    const save = crashing.saveCheckpoint.bind(crashing);
    crashing.saveCheckpoint = async (cp) => {
      if (crashing.saves >= 8) return;
      await save(cp);
      if (crashing.saves === 4) persisted = structuredClone(cp);
      if (crashing.saves === 8) run1.cancel();
    };
    const p1 = await run1.run();
    expect(p1.state).toBe('cancelled');
    expect(persisted).toBeDefined();
    const committed = persisted!.dbs['0'].copied;
    const onTarget = num(await ok(await c(tgt), 'DBSIZE'));
    expect(onTarget).toBeGreaterThan(committed); // some keys were copied past the checkpoint

    const store = new MemoryCopyStore();
    store.checkpoint = structuredClone(persisted);
    const p2 = await new CopyRun(spec, store, { log: quietLog }).run();
    expect(p2.state).toBe('completed');
    expect(p2.conflicts).toBe(0);
    expect(p2.errors).toBe(0);
    expect(p2.scanned).toBe(4600);
    expect(p2.copied).toBe(4600);
    expect(store.errors()).toEqual([]);
    await expectSame(src, tgt);
  });

  it('coalesces checkpoint saves (at most one per 250 ms, one in flight) and saves the final checkpoint', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 20_000);
    const store = new MemoryCopyStore();
    let inFlight = 0;
    let overlapped = false;
    const save = store.saveCheckpoint.bind(store);
    store.saveCheckpoint = async (cp) => {
      overlapped ||= ++inFlight > 1;
      await new Promise((r) => setTimeout(r, 20)); // a database write takes a while
      await save(cp);
      inFlight--;
    };
    const t0 = Date.now();
    const p = await new CopyRun(specFor(src, [tgt], { batchSize: 100, scanCount: 100 }), store, { log: quietLog }).run();
    const ms = Date.now() - t0;
    expect(p.state).toBe('completed');
    expect(overlapped).toBe(false);
    // 200 batches; a save per batch would be 200.
    expect(store.saves).toBeLessThanOrEqual(Math.ceil(ms / 250) + 2);
    expect(store.checkpoint!.batches).toBe(200);
    expect(store.checkpoint!.dbs['0']).toMatchObject({ done: true, copied: 20_000, scanned: 20_000 });
  });

  it.each(['source', 'target'] as const)('survives a %s restart mid-copy (reconnect, retry the batch, copy the db again)', async (which) => {
    // save points so a graceful stop writes an RDB that the restart loads.
    const [src, tgt] = await Promise.all([server({ config: { save: '3600 1' } }), server({ config: { save: '3600 1' } })]);
    await fillStrings(src, 12_000, 50);
    const store = new MemoryCopyStore();
    const run = new CopyRun(specFor(src, [tgt], { batchSize: 200, scanCount: 200, rateLimit: { keysPerSec: 8000 } }), store, {
      log: quietLog,
      progressIntervalMs: 50,
    });
    const done = run.run();
    await firstProgress(run, (p) => p.copied >= 2000);
    const victim = which === 'source' ? src : tgt;
    await victim.stop();
    await new Promise((r) => setTimeout(r, 400));
    await victim.restart();
    const p = await done;
    expect(p.state).toBe('completed');
    expect(p.errors).toBe(0);
    // A restarted source has a new hash seed, so its old SCAN cursor is meaningless; a
    // restarted target may lack what was copied (here it saved an RDB on the way down, but
    // the copier cannot know how recent a target's RDB is). Either way the db is scanned
    // again from 0 with its counts reset (counts stay exact).
    expect(p.copied).toBe(12_000);
    expect(store.checkpoint!.dbs['0'].rescans).toBe(1);
    await expectSame(src, tgt);
  });

  it('copies everything again when a target is killed and restarts empty mid-copy', async () => {
    // The reported fault: kill -9 of the target at ~42%, restarted (empty: no persistence) 3 s later.
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 12_000, 50);
    const store = new MemoryCopyStore();
    const run = new CopyRun(specFor(src, [tgt], { batchSize: 200, scanCount: 200, rateLimit: { keysPerSec: 8000 } }), store, {
      log: quietLog,
      progressIntervalMs: 50,
    });
    const recoveries: RecoveryNotice[] = [];
    run.on('recovery', (r) => recoveries.push(r));
    const done = run.run();
    await firstProgress(run, (p) => p.copied >= 5000);
    await tgt.kill();
    await new Promise((r) => setTimeout(r, 3000));
    await tgt.restart();
    const p = await done;
    expect(p.state).toBe('completed');
    expect(p.errors).toBe(0);
    expect(p.copied).toBe(12_000);
    await expectSame(src, tgt);
    expect(recoveries).toEqual([expect.objectContaining({ cause: 'target_restarted', target: 0 })]);
    expect(recoveries[0]!.message).toMatch(/target 0 .* restarted/);
    expect(store.checkpoint!.dbs['0'].rescans).toBe(1);
  });

  it('copies everything again when a target lost its data while the run was away (checkpoint of another target process)', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 3000);
    const store = new MemoryCopyStore();
    const spec = specFor(src, [tgt], { rateLimit: { keysPerSec: 3000 } });
    const run1 = new CopyRun(spec, store, { log: quietLog, progressIntervalMs: 50 });
    const done = run1.run();
    await firstProgress(run1, (p) => p.copied >= 1000);
    run1.cancel();
    expect((await done).state).toBe('cancelled');
    // Between the two runs (a console restart) the target restarts empty.
    await tgt.kill();
    await tgt.restart();
    const run2 = new CopyRun({ ...spec, rateLimit: undefined }, store, { log: quietLog });
    const recoveries: RecoveryNotice[] = [];
    run2.on('recovery', (r) => recoveries.push(r));
    const p = await run2.run();
    expect(p.state).toBe('completed');
    expect(p.copied).toBe(3000);
    await expectSame(src, tgt);
    expect(recoveries.map((r) => r.cause)).toEqual(['target_restarted']);
  });

  it('notices a target whose keyspace shrank below what it must hold, and copies again', async () => {
    // No restart at all (same run_id): someone flushed the target mid-copy.
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 6000);
    const run = new CopyRun(specFor(src, [tgt], { rateLimit: { keysPerSec: 6000 } }), new MemoryCopyStore(), { log: quietLog, progressIntervalMs: 50 });
    const recoveries: RecoveryNotice[] = [];
    run.on('recovery', (r) => recoveries.push(r));
    const done = run.run();
    await firstProgress(run, (p) => p.copied >= 2000);
    tgt.cli('FLUSHALL');
    const p = await done;
    expect(p.state).toBe('completed');
    expect(p.copied).toBe(6000);
    await expectSame(src, tgt);
    expect(recoveries.map((r) => r.cause)).toEqual(['target_data_lost']);
  });

  // 'PTTL' plays a source older than Redis 7.0 (no PEXPIRETIME): a proxy answers that
  // command as such a server would; DEBUG SLEEP goes to the real source.
  it.each(['PEXPIRETIME', 'PTTL'] as const)('keeps TTLs within tolerance when the source stalls mid-batch (DEBUG SLEEP, %s)', async (how) => {
    const [src, tgt] = await Promise.all([server({ config: { 'enable-debug-command': 'yes' } }), server()]);
    // Every key expires in an hour: a TTL read before the stall and restored after it shows up.
    const x = await c(src);
    const cmds = [];
    for (let i = 0; i < 60_000; i++) cmds.push(['SET', `t${i}`, `${i}`.padEnd(24, 'v'), 'PX', '3600000']);
    await bulk(x, cmds);
    const proxy = how === 'PTTL' ? await startOlderServerProxy(src.port, 'pexpiretime') : undefined;
    try {
      const spec = specFor(src, [tgt], { batchSize: 2000, scanCount: 2000 });
      if (proxy) spec.source = targetOf({ host: '127.0.0.1', port: proxy.port });
      const run = new CopyRun(spec, new MemoryCopyStore(), { log: quietLog, progressIntervalMs: 20 });
      const done = run.run();
      await firstProgress(run, (p) => p.copied >= 6000);
      await ok(await c(src), 'DEBUG', 'SLEEP', '5');
      const p = await done;
      expect(p.state).toBe('completed');
      expect(p.copied).toBe(60_000);
      if (proxy) expect(proxy.rejected).toBeGreaterThan(0);
      const v = await verify(specFor(src, [tgt]), { mode: 'full', ttlToleranceMs: 2000 });
      expect(v.checked).toBe(60_000);
      expect(v.mismatches.slice(0, 3)).toEqual([]);
      expect(v.ttl_mismatch).toBe(0);
    } finally {
      await proxy?.close();
    }
  });

  // The stall above can also fall after the source answered a batch and before it wrote the
  // replies out (another client's slow command handled in the same event-loop turn): then the
  // batch's own TIME is as old as the stall when it arrives. A proxy holds the replies to
  // reproduce that on cue; the clock read on a connection of its own tells how late they are.
  it.each(['PEXPIRETIME', 'PTTL'] as const)('keeps TTLs within tolerance when the source answers a batch, then stalls before writing it (%s)', async (how) => {
    const [src, tgt] = await Promise.all([server(), server()]);
    const x = await c(src);
    const cmds = [];
    for (let i = 0; i < 30_000; i++) cmds.push(['SET', `h${i}`, `${i}`.padEnd(24, 'v'), 'PX', '3600000']);
    await bulk(x, cmds);
    const proxy = how === 'PTTL' ? await startOlderServerProxy(src.port, 'pexpiretime') : await startHoldingProxy(src.port);
    try {
      const spec = specFor(src, [tgt], { batchSize: 2000, scanCount: 2000 });
      spec.source = targetOf({ host: '127.0.0.1', port: proxy.port });
      const run = new CopyRun(spec, new MemoryCopyStore(), { log: quietLog, progressIntervalMs: 20 });
      const done = run.run();
      await firstProgress(run, (p) => p.copied >= 4000);
      proxy.holdNext(how.toLowerCase(), 5000);
      const p = await done;
      expect(p.state).toBe('completed');
      expect(p.copied).toBe(30_000);
      expect(proxy.held).toBe(1);
      const v = await verify(specFor(src, [tgt]), { mode: 'full', ttlToleranceMs: 2000 });
      expect(v.checked).toBe(30_000);
      expect(v.mismatches.slice(0, 3)).toEqual([]);
      expect(v.ttl_mismatch).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('rescans from the start when the source restarted between a cancel and the resume', async () => {
    const [src, tgt] = await Promise.all([server({ config: { save: '3600 1' } }), server()]);
    await fillStrings(src, 5000);
    const store = new MemoryCopyStore();
    const spec = specFor(src, [tgt], { conflictPolicy: 'None', rateLimit: { keysPerSec: 5000 } });
    const run1 = new CopyRun(spec, store, { log: quietLog, progressIntervalMs: 50 });
    const done = run1.run();
    await firstProgress(run1, (p) => p.copied >= 1000);
    run1.cancel();
    expect((await done).state).toBe('cancelled');
    await src.stop();
    await src.restart();
    const p = await new CopyRun({ ...spec, rateLimit: undefined }, store, { log: quietLog }).run();
    expect(p.state).toBe('completed');
    expect(p.copied).toBe(5000);
    expect(p.conflicts).toBe(0);
    expect(store.checkpoint!.dbs['0'].rescans).toBe(1);
    await expectSame(src, tgt);
  });

  it('records target OOM as retryable error keys, then copies them after maxmemory is raised', async () => {
    const [src, tgt] = await Promise.all([server(), server({ config: { maxmemory: '2mb', 'maxmemory-policy': 'noeviction' } })]);
    await fillStrings(src, 3000, 2000);
    const store = new MemoryCopyStore();
    const spec = specFor(src, [tgt]);
    const p = await new CopyRun(spec, store, { log: quietLog }).run();
    expect(p.state).toBe('completed');
    expect(p.errors).toBeGreaterThan(0);
    const errs = store.errors();
    expect(errs.length).toBe(p.errors);
    expect(errs.every((e) => e.errorClass === 'target_oom' && e.retryable && e.key.length > 0)).toBe(true);

    tgt.cli('CONFIG', 'SET', 'maxmemory', '0');
    const r = await retryErrorKeys(spec, errs.map((e) => ({ key: e.key, db: e.db })), { log: quietLog });
    expect(r.failed).toEqual([]);
    expect(r.copied).toBe(errs.length);
    const v = await verify(spec, { mode: 'full' });
    expect(v.checked).toBe(3000);
    expect(v.missing + v.value_mismatch + v.type_mismatch + v.ttl_mismatch).toBe(0);
  });

  it('verification finds planted differences and repair brings them to zero', async () => {
    const [src, tgt, tgt2] = await Promise.all([server(), server(), server()]);
    await fillAllTypes(await c(src));
    await fillStrings(src, 2000);
    const spec = specFor(src, [tgt, tgt2]);
    await new CopyRun(spec, new MemoryCopyStore(), { log: quietLog }).run();
    const clean = await verify(spec, { mode: 'full' });
    expect(clean.mismatches).toEqual([]);

    const t = await c(tgt);
    await bulk(t, [
      ['DEL', 'k5'], // missing
      ['DEL', 'hash'],
      ['SET', 'hash', 'not a hash'], // type
      ['HSET', 'bighash', 'f7', 'changed'], // value (big hash: element-wise compare)
      ['SADD', 'set', 'extra'], // value
      ['SET', 'k7', 'changed'], // value
      ['PEXPIRE', 'k9', '5000000'], // ttl: source has none
      ['PEXPIRE', 'ttl', '100000000'], // ttl: beyond tolerance
    ]);
    await ok(await c(tgt2), 'DEL', 'str');
    const v = await verify(spec, { mode: 'full', ttlToleranceMs: 5000 });
    expect(v).toMatchObject({ missing: 2, type_mismatch: 1, value_mismatch: 3, ttl_mismatch: 2 });
    expect(v.mismatches.find((m) => m.key.toString() === 'str')?.target).toBe(1);
    expect(v.mismatches.find((m) => m.key.toString() === 'k7')?.kind).toBe('value_mismatch');

    const sample = await verify(spec, { mode: 'sample', sampleSize: 100 });
    expect(sample.checked).toBeGreaterThan(0);
    expect(sample.checked).toBeLessThanOrEqual(100);

    const r = await repair(spec, v.mismatches, { log: quietLog });
    expect(r.failed).toEqual([]);
    expect(r.repaired).toBe(8);
    const after = await verify(spec, { mode: 'full', ttlToleranceMs: 5000 });
    expect(after.mismatches).toEqual([]);
    expect(after.missing + after.type_mismatch + after.value_mismatch + after.ttl_mismatch).toBe(0);
  });

  it('honours the rate limit and applies a new one while running', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 2000);
    const run = new CopyRun(specFor(src, [tgt], { rateLimit: { keysPerSec: 200 } }), new MemoryCopyStore(), { log: quietLog });
    const done = run.run();
    await new Promise((r) => setTimeout(r, 500));
    // At 200 keys/s with one second of burst, half a second cannot see more than
    // burst + rate * 0.5 s + one batch in flight.
    expect(run.progress().scanned).toBeLessThanOrEqual(200 + 100 + 100);
    run.setRateLimit({});
    const p = await done;
    expect(p.copied).toBe(2000);
  });

  it('pauses, resumes, cancels, and a cancelled run resumes from its checkpoint', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 5000);
    const store = new MemoryCopyStore();
    const spec = specFor(src, [tgt], { rateLimit: { keysPerSec: 4000 } });
    const run = new CopyRun(spec, store, { log: quietLog, progressIntervalMs: 50 });
    const states: string[] = [];
    const seen: CopyProgress[] = [];
    run.on('progress', (p) => {
      states.push(p.state);
      seen.push(p);
    });
    const done = run.run();
    await firstProgress(run, (p) => p.copied > 0);
    run.pause();
    await new Promise((r) => setTimeout(r, 300)); // in-flight batches finish
    const a = run.progress();
    await new Promise((r) => setTimeout(r, 400));
    const b = run.progress();
    expect(b.state).toBe('paused');
    expect(b.scanned).toBe(a.scanned);
    expect(b.scanned).toBeLessThan(5000);
    run.resume();
    await firstProgress(run, (p) => p.scanned > b.scanned);
    run.cancel();
    const p = await done;
    expect(p.state).toBe('cancelled');
    expect(states).toContain('paused');
    // Live progress: a moving-window rate, an estimate from INFO keyspace and an ETA.
    const mid = seen.find((x) => x.state === 'running' && x.keys_per_sec > 0);
    expect(mid).toBeDefined();
    expect(mid!.estimated_total).toBe(5000);
    expect(mid!.bytes_per_sec).toBeGreaterThan(0);
    expect(mid!.eta_s).not.toBeNull();
    expect(p.scanned).toBeLessThan(5000);
    expect(store.checkpoint!.dbs['0'].done).toBe(false);
    expect(store.checkpoint!.dbs['0'].copied).toBe(p.copied);

    const p2 = await new CopyRun({ ...spec, rateLimit: undefined }, store, { log: quietLog }).run();
    expect(p2.state).toBe('completed');
    expect(p2.copied).toBe(5000);
    await expectSame(src, tgt);
  });

  it('cancels through an AbortSignal', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    await fillStrings(src, 3000);
    const ac = new AbortController();
    const run = new CopyRun(specFor(src, [tgt], { rateLimit: { keysPerSec: 1000 } }), new MemoryCopyStore(), { log: quietLog, signal: ac.signal });
    const done = run.run();
    setTimeout(() => ac.abort(), 200);
    const p = await done;
    expect(p.state).toBe('cancelled');
    expect(p.copied).toBeLessThan(3000);
  });

  it('copies a 500k-field hash through the chunked path', async () => {
    const [src, tgt] = await Promise.all([server(), server()]);
    const x = await c(src);
    const cmds = [];
    for (let i = 0; i < 500; i++) {
      const args: string[] = ['HSET', 'huge'];
      for (let j = 0; j < 1000; j++) args.push(`field:${i * 1000 + j}`, `value-${j}`);
      cmds.push(args);
    }
    await bulk(x, cmds, 50);
    await ok(x, 'PEXPIRE', 'huge', 3_600_000);
    await ok(x, 'SET', 'small', 'v');
    const p = await new CopyRun(specFor(src, [tgt], { chunkElements: 5000 }), new MemoryCopyStore(), { log: quietLog }).run();
    expect(p.copied).toBe(2);
    const t = await c(tgt);
    expect(await ok(t, 'HLEN', 'huge')).toBe(500_000);
    expect(num(await ok(t, 'PTTL', 'huge'))).toBeGreaterThan(3_500_000);
    expect(String(await ok(t, 'HGET', 'huge', 'field:499999'))).toBe('value-999');
    const v = await verify(specFor(src, [tgt], { chunkElements: 5000 }), { mode: 'full' });
    expect(v.mismatches).toEqual([]);
  });
});
