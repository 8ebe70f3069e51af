/**
 * The test run's copier on the real copy engine (lib/copy): `copyBatch` on an explicit
 * key list per database (the engine's unit of work, with its big-key, conflict and
 * type-based fallback paths) under policy None, then the engine's `verify` on exactly the
 * keys this test created.
 *
 * Which keys were created is decided by existence: the caller passes only keys absent on
 * the target before the copy, so each of them present afterwards was written by this test.
 */
import { randomBytes } from 'node:crypto';
import { DbContext, copyBatch } from '../copy/batch';
import { withDefaults, type RedisTarget } from '../copy/types';
import { verify } from '../copy/verify';
import type { ResolvedConn } from '../endpoints/schema';
import type { Logger } from '../logger';
import type { SampleCopier, SampleCopyResult, SampleKeyRef, SampleVerifyResult } from './test-run';

function target(c: ResolvedConn): RedisTarget {
  // Probing speaks RESP2; a sample copy of big values needs more than an interactive timeout.
  return { ...c, protocol: 2, commandTimeoutMs: Math.max(c.commandTimeoutMs, 30_000) };
}

export function engineCopier(log: Logger, bigKeyThresholdBytes?: number): SampleCopier {
  const specOf = (source: ResolvedConn, tgt: ResolvedConn, fallback: 'auto' | 'never', dbs: number[]) =>
    withDefaults({
      source: target(source),
      targets: [target(tgt)],
      // None: never overwrite; a key that appeared on the target meanwhile is left alone.
      conflictPolicy: 'None',
      fallback,
      databases: Object.fromEntries(dbs.map((d) => [String(d), d])),
      ...(bigKeyThresholdBytes ? { bigKeyThresholdBytes } : {}),
    });

  return {
    name: 'copy engine (lib/copy)',
    async copy(source, tgt, keys, opts): Promise<SampleCopyResult> {
      const dbs = [...new Set(keys.map((k) => k.db))];
      const spec = specOf(source, tgt, opts.fallback, dbs);
      const out: SampleCopyResult = { created: [], errors: [], bytes: 0, ms: 0 };
      const tag = `compat-${randomBytes(3).toString('hex')}`;
      const started = performance.now();
      for (const db of dbs) {
        const mine = keys.filter((k) => k.db === db);
        const ctx = new DbContext(spec, db, db, tag, log);
        try {
          const outcome = await copyBatch(ctx, mine.map((k) => k.key), 'None');
          out.bytes += outcome.counts.bytes;
          for (const e of outcome.errors) out.errors.push({ db, key: e.key, message: `${e.errorClass}: ${e.message}` });
          const exists = await ctx.tgts[0]!.pipeline(mine.map((k) => ['EXISTS', k.key]));
          mine.forEach((k, i) => {
            if (exists[i] === 1) out.created.push(k);
          });
        } finally {
          await ctx.close();
        }
      }
      out.ms = performance.now() - started;
      return out;
    },
    async verify(source, tgt, keys: SampleKeyRef[]): Promise<SampleVerifyResult> {
      if (keys.length === 0) return { checked: 0, mismatches: [] };
      const dbs = [...new Set(keys.map((k) => k.db))];
      const r = await verify(specOf(source, tgt, 'never', dbs), { mode: 'sample', keys, log });
      return { checked: r.checked, mismatches: r.mismatches.map((m) => ({ db: m.db, key: m.key, kind: m.kind, detail: m.detail })) };
    },
  };
}
