/**
 * Each write-consistency policy under a target outage (lib/migration/stages.ts readPolicy):
 * the target is killed mid-load and restarted a moment later, empty (no persistence) or
 * not (AOF). What clients see follows the policy; after repair (the mirror's own state
 * syncs, and a copy when the target came back empty) nothing acknowledged is lost and the
 * sides are identical.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CopyRun } from '@/lib/copy';
import { MemoryCopyStore } from '@/lib/copy/memory-store';
import { withDefaults } from '@/lib/copy/types';
import type { WriteConsistency } from '@/lib/migration/stages';
import { compareServers } from '@/test/compare';
import { startRedis, type RedisServer } from '@/test/redis-server';
import type { Interlay } from './interlay';
import { backendFor, FramedClient, quietLog, startInterlay, until } from './test-helpers';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Writes `SET out:<i> <i>` in batches of 10; returns the replies (text) per i. */
async function writes(c: FramedClient, from: number, to: number, replies: string[]): Promise<void> {
  for (let i = from; i < to; i += 10) {
    const batch: string[][] = [];
    for (let j = i; j < Math.min(to, i + 10); j++) batch.push(['SET', `out:${j}`, String(j)]);
    await c.send(...batch);
    for (let j = 0; j < batch.length; j++) replies[i + j] = await c.replyText(15_000);
  }
}

async function copyAll(source: RedisServer, target: RedisServer): Promise<void> {
  const run = new CopyRun(withDefaults({ source: backendFor(source), targets: [backendFor(target)], conflictPolicy: 'Replace' }), new MemoryCopyStore(), {
    log: quietLog,
  });
  await run.run();
}

const EXPECT: Record<WriteConsistency, { errorsDuringOutage: boolean }> = {
  SourceAuthoritative: { errorsDuringOutage: false },
  BestEffort: { errorsDuringOutage: false },
  TargetAuthoritative: { errorsDuringOutage: true },
  BothRequired: { errorsDuringOutage: true },
};

describe.each(Object.keys(EXPECT) as WriteConsistency[])('%s under a target outage', (policy) => {
  it.each([
    ['empty', false],
    ['with its data (AOF)', true],
  ] as const)('target restarted %s: clients see what the policy says; after repair nothing is lost', async (_how, persistent) => {
    const source = await startRedis();
    const target = await startRedis(persistent ? { config: { appendonly: 'yes', appendfsync: 'always' } } : {});
    const interlay = await startInterlay(backendFor(source, { commandTimeoutMs: 3000 }));
    const c = new FramedClient(interlay.port);
    cleanups.push(
      () => source.stop(),
      () => target.stop(),
      () => interlay.stop({ drainTimeoutMs: 100 }),
      () => c.close(),
    );
    await interlay.waitForBackend();
    await interlay.setRouting({ stage: 'dual_write', policy, target: backendFor(target, { commandTimeoutMs: 3000 }), mirrors: [], canaryPercent: 0, shadowSampleRate: 0 });

    const replies: string[] = [];
    await writes(c, 0, 200, replies);
    await interlay.waitMirrorDrained();
    await target.kill();
    await writes(c, 200, 400, replies);
    await target.restart();
    await until(() => interlay.metrics().upstreams.find((u) => u.name === 'target')?.state === 'up', 'target back', 15_000);
    await writes(c, 400, 600, replies);

    const before = replies.slice(0, 200);
    const during = replies.slice(200, 400);
    const after = replies.slice(400, 600);
    expect(before.every((r) => r === '+OK\r\n')).toBe(true);
    expect(after.every((r) => r === '+OK\r\n'), after.find((r) => r !== '+OK\r\n')).toBe(true);
    if (EXPECT[policy].errorsDuringOutage) {
      expect(during.some((r) => r.startsWith('-ERR interlay:')), during[0]).toBe(true);
    } else {
      expect(during.every((r) => r === '+OK\r\n'), during.find((r) => r !== '+OK\r\n')).toBe(true);
    }
    const m = interlay.metrics().mirror;
    expect(m.links[0].failures + m.links[0].overflows).toBeGreaterThan(0);
    if (!persistent) expect(m.links[0].lost_data).toBe(true);

    // Repair: the mirror syncs what failed by itself (not under BestEffort); a target that
    // came back empty, or a policy that does not repair, needs a copy (the console runs a copy job).
    await interlay.waitMirrorDrained();
    if (!persistent || policy === 'BestEffort') {
      await copyAll(source, target);
      interlay.markResynced('target');
    }
    const cmp = await compareServers(source, target, { ttlToleranceMs: 2000 });
    expect(cmp, cmp.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    // Every write a client was told succeeded is there (and the sides are identical, above).
    const values = source.cli('MGET', ...Array.from({ length: 600 }, (_, i) => `out:${i}`)).trim().split('\n');
    const lost = replies.map((r, i) => (r === '+OK\r\n' && values[i] !== String(i) ? i : -1)).filter((i) => i >= 0);
    expect(lost).toEqual([]);
  });
});
