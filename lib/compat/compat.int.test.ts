/**
 * Checks against real redis-server processes (ACL users, maxmemory, non-empty target,
 * databases other than 0, a big key, requirepass and TLS mismatches) and against the fake
 * RESP server for what a local Redis 7.0 cannot produce (old versions, other RDB versions,
 * modules, refused CONFIG, cluster mode); plus the test run's copy/verify/clean-up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import type { ResolvedConn } from '../endpoints/schema';
import type { EndpointSettings } from '../endpoints/service';
import { startRedis, type RedisServer } from '../../test/redis-server';
import { CHECKS } from './checks';
import { startFakeRedis, type FakeRedis } from './fake-redis';
import { closeResources, gatherResources } from './resources';
import { engineCopier } from './engine-copier';
import { runTestRun, type SampleCopier } from './test-run';
import type { CheckResult, Resources, RunOptions } from './types';

const log = createLogger({ level: 'silent' });

interface Spec {
  host: string;
  port: number;
  tls?: boolean;
  ca?: string;
  username?: string;
  password?: string;
  admin?: { username?: string; password?: string };
}

function settingsFrom(specs: Record<string, Spec>) {
  return async (name: string): Promise<EndpointSettings> => {
    const s = specs[name];
    if (!s) throw new Error(`Endpoint "${name}" was not found`);
    const base = (role: 'read' | 'write' | 'admin', cred: { username?: string; password?: string }): ResolvedConn => ({
      role,
      host: s.host,
      port: s.port,
      tls: s.tls ?? false,
      tlsOptions: s.ca ? { ca: s.ca, skip_verify: false } : undefined,
      protocol: 2,
      username: cred.username,
      password: cred.password,
      db: 0,
      connectTimeoutMs: 2000,
      commandTimeoutMs: 10_000,
    });
    return {
      name,
      version: 1,
      poolSize: 1,
      roles: { read: base('read', s), write: base('write', s), ...(s.admin ? { admin: base('admin', s.admin) } : {}) },
    };
  };
}

const OPTIONS: RunOptions = { conflictPolicy: 'Replace', fallback: 'never', bigKeyThresholdMb: 8, latencyWarnMs: 5 };

async function runChecks(specs: Record<string, Spec>, opts: Partial<RunOptions> = {}, extra: { mirrors?: string[] } = {}): Promise<{ r: Resources; f: Record<string, CheckResult> }> {
  const r = await gatherResources({ settings: settingsFrom(specs), log }, { source: 'src', target: 'tgt', mirrors: extra.mirrors ?? [], options: { ...OPTIONS, ...opts }, pings: 5 });
  const f: Record<string, CheckResult> = {};
  try {
    for (const c of CHECKS) f[c.id] = await c.run(r);
  } finally {
    await closeResources(r);
  }
  return { r, f };
}

const at = (s: RedisServer, extra: Partial<Spec> = {}): Spec => ({ host: s.host, port: s.port, ...extra });

describe('compat checks on real servers', () => {
  let plainA: RedisServer;
  let plainB: RedisServer;
  beforeAll(async () => {
    [plainA, plainB] = await Promise.all([startRedis(), startRedis()]);
    plainA.cli('SET', 'user:1', 'alice');
    plainA.cli('HSET', 'user:2', 'name', 'bob');
  });
  afterAll(async () => {
    await Promise.all([plainA?.stop(), plainB?.stop()]);
  });

  it('a healthy pair has no blocking finding and no warning but latency/info', async () => {
    const { f } = await runChecks({ src: at(plainA), tgt: at(plainB) });
    const bad = Object.entries(f).filter(([, x]) => x.severity === 'blocking' || x.severity === 'warning');
    expect(bad.map(([id, x]) => `${id}: ${x.title}`)).toEqual([]);
    expect(f['modules']!.severity).toBe('pass'); // modules absent on both
    expect(f['rdb-version']!.evidence).toMatchObject({ source_rdb_version: 10, source_rdb_from: 'DUMP payload trailer' });
  });

  it('acl: a source user without DUMP is blocking, via ACL DRYRUN (admin conn) and via probes (no admin)', async () => {
    const s = await startRedis({ aclUsers: ['user limited on >pw ~* +@read -dump'] });
    try {
      s.cli('SET', 'k', 'v');
      const viaDry = await runChecks({ src: at(s, { username: 'limited', password: 'pw', admin: {} }), tgt: at(plainB) });
      expect(viaDry.f['acl']!.severity, JSON.stringify(viaDry.f['acl'])).toBe('blocking');
      expect(viaDry.f['acl']!.evidence.missing).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'source read', command: 'DUMP', user: 'limited' })]));
      expect((viaDry.f['acl']!.evidence.checked as { role: string; method: string }[]).find((c) => c.role === 'source read')!.method).toBe('dryrun');
      const viaProbe = await runChecks({ src: at(s, { username: 'limited', password: 'pw' }), tgt: at(plainB) });
      const missing = viaProbe.f['acl']!.evidence.missing as { role: string; command: string }[];
      expect(missing).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'source read', command: 'DUMP' })]));
      expect((viaProbe.f['acl']!.evidence.checked as { role: string; method: string }[]).find((c) => c.role === 'source read')!.method).toBe('probe');
      // No probe key is left behind.
      expect(s.cli('KEYS', '__ri:*').trim()).toBe('');
    } finally {
      await s.stop();
    }
  });

  it('acl: a user restricted to the data\'s key pattern passes (DRYRUN and probes use a sampled key)', async () => {
    const s = await startRedis({ aclUsers: ['user app on >pw ~user:* +@all'] });
    try {
      s.cli('SET', 'user:1', 'v');
      for (const admin of [{ admin: {} }, {}]) {
        const { f } = await runChecks({ src: at(s, { username: 'app', password: 'pw', ...admin }), tgt: at(plainB) });
        expect(f['acl']!.severity, JSON.stringify(f['acl']!.evidence)).toBe('pass');
      }
    } finally {
      await s.stop();
    }
  });

  it('small maxmemory with allkeys-lru: memory-headroom blocking, eviction-policy warning', async () => {
    const t = await startRedis({ config: { maxmemory: '1mb', 'maxmemory-policy': 'allkeys-lru' } });
    try {
      const { f } = await runChecks({ src: at(plainA), tgt: at(t) });
      expect(f['memory-headroom']!.severity).toBe('blocking');
      expect(f['memory-headroom']!.evidence).toMatchObject({ target_maxmemory: 1024 * 1024, overhead_factor: 1.2 });
      expect(f['eviction-policy']!.severity).toBe('warning');
      expect(f['eviction-policy']!.evidence).toMatchObject({ maxmemory_policy: 'allkeys-lru' });
    } finally {
      await t.stop();
    }
  });

  it('non-empty target: warning with counts per db and the colliding sampled keys', async () => {
    const t = await startRedis();
    try {
      t.cli('SET', 'user:1', 'old');
      t.cli('-n', '2', 'SET', 'other', 'x');
      const { f } = await runChecks({ src: at(plainA), tgt: at(t) }, { conflictPolicy: 'None' });
      expect(f['target-not-empty']!.severity).toBe('warning');
      expect(f['target-not-empty']!.evidence).toMatchObject({ keys_per_db: { db0: 1, db2: 1 }, total_keys: 2, conflict_policy: 'None', sampled_source_keys_already_on_target: { checked: 2, existing: 1 } });
    } finally {
      await t.stop();
    }
  });

  it('databases other than 0 with a cluster target: blocking (cluster faked); standalone target passes', async () => {
    const s = await startRedis();
    const fake = await startFakeRedis({ mode: 'cluster', primaries: 3 });
    try {
      s.cli('-n', '3', 'SET', 'a', '1');
      s.cli('SET', 'b', '1');
      const { f } = await runChecks({ src: at(s), tgt: { host: fake.host, port: fake.port } });
      expect(f['multi-db-cluster']!.severity).toBe('blocking');
      expect(f['cluster-mode']!.severity).toBe('warning');
      expect((await runChecks({ src: at(s), tgt: at(plainB) })).f['multi-db-cluster']!.severity).toBe('pass');
    } finally {
      await Promise.all([s.stop(), fake.close()]);
    }
  });

  it('a big key: listed above the threshold, and above a small proto-max-bulk-len on the target', async () => {
    const s = await startRedis();
    const t = await startRedis({ config: { 'proto-max-bulk-len': '1mb' } });
    try {
      // ~2 MB of incompressible-ish members.
      s.cli('EVAL', "for i=1,30000 do redis.call('RPUSH', KEYS[1], redis.sha1hex(tostring(i)) .. redis.sha1hex(tostring(-i))) end return 1", '1', 'big:list');
      s.cli('SET', 'small', 'x');
      const { f } = await runChecks({ src: at(s), tgt: at(t) }, { bigKeyThresholdMb: 1 });
      expect(f['big-keys']!.severity).toBe('warning');
      expect((f['big-keys']!.evidence.big_keys as { key: string }[]).map((k) => k.key)).toEqual(['big:list']);
      expect(f['proto-max-bulk-len']!.severity).toBe('blocking');
      expect((await runChecks({ src: at(s), tgt: at(plainB) }, { bigKeyThresholdMb: 1 })).f['proto-max-bulk-len']!.severity).toBe('pass');
    } finally {
      await Promise.all([s.stop(), t.stop()]);
    }
  });

  it('tls-auth: requirepass without a recorded password, a password the server does not have, and a TLS-only server', async () => {
    const locked = await startRedis({ password: 'secret' });
    const tls = await startRedis({ tls: true });
    try {
      const noPass = await runChecks({ src: at(plainA), tgt: at(locked) });
      expect(noPass.f['tls-auth']!.severity).toBe('blocking');
      expect(noPass.f['tls-auth']!.title).toMatch(/requires a password/);
      const extraPass = await runChecks({ src: at(plainA), tgt: at(plainB, { password: 'nope' }) });
      expect(extraPass.f['tls-auth']!.severity).toBe('blocking');
      expect(extraPass.f['tls-auth']!.title).toMatch(/server has none configured/);
      const tlsOnly = await runChecks({ src: at(plainA), tgt: at(tls) });
      expect(tlsOnly.f['tls-auth']!.severity).toBe('blocking');
      expect(tlsOnly.f['tls-auth']!.title).toMatch(/only speaks TLS/);
      const ok = await runChecks({ src: at(plainA), tgt: at(tls, { tls: true, ca: tls.tls!.ca }) });
      expect(ok.f['tls-auth']!.severity).toBe('pass');
    } finally {
      await Promise.all([locked.stop(), tls.stop()]);
    }
  });
});

describe('compat checks against the fake RESP server', () => {
  let real: RedisServer;
  const fakes: FakeRedis[] = [];
  const fake = async (o: Parameters<typeof startFakeRedis>[0]) => {
    const f = await startFakeRedis(o);
    fakes.push(f);
    return { host: f.host, port: f.port };
  };
  beforeAll(async () => {
    real = await startRedis();
    real.cli('SET', 'k', 'v');
  });
  afterAll(async () => {
    await Promise.all([real?.stop(), ...fakes.map((f) => f.close())]);
  });

  it('source Redis 4.0.14 is blocking; a 7.0 source passes', async () => {
    const { f } = await runChecks({ src: await fake({ version: '4.0.14', keys: { a: 'string' }, rdbVersion: 8 }), tgt: at(real) });
    expect(f['source-version']!.severity).toBe('blocking');
    expect(f['source-version']!.evidence).toMatchObject({ version: '4.0.14' });
    expect((await runChecks({ src: at(real), tgt: await fake({}) })).f['source-version']!.severity).toBe('pass');
  });

  it('a 7.0 source to a 6.2 target is blocking (RDB 10 > 9); warning with fallback auto', async () => {
    const tgt = await fake({ version: '6.2.14' });
    const { f } = await runChecks({ src: at(real), tgt });
    expect(f['rdb-version']!.severity).toBe('blocking');
    expect(f['rdb-version']!.evidence).toMatchObject({ source_rdb_version: 10, target_max_rdb_version: 9 });
    expect((await runChecks({ src: at(real), tgt }, { fallback: 'auto' })).f['rdb-version']!.severity).toBe('warning');
  });

  it('a DUMP payload with RDB 11 is blocking for a real 7.0 target (max 10)', async () => {
    const { f } = await runChecks({ src: await fake({ version: '7.0.15', keys: { a: 'string' }, rdbVersion: 11 }), tgt: at(real) });
    expect(f['rdb-version']!.severity).toBe('blocking');
    expect(f['rdb-version']!.evidence).toMatchObject({ source_rdb_version: 11, source_rdb_from: 'DUMP payload trailer', target_max_rdb_version: 10 });
  });

  it('ReJSON keys (ReJSON-RL) on the source and no modules on the target: blocking', async () => {
    const { f } = await runChecks({ src: await fake({ modules: [{ name: 'ReJSON', ver: 20609 }], keys: { 'doc:1': 'ReJSON-RL', s: 'string' } }), tgt: at(real) });
    expect(f['modules']!.severity).toBe('blocking');
    expect(f['modules']!.evidence).toMatchObject({ missing_on_target: ['ReJSON'], unsupported_types: ['ReJSON-RL'] });
  });

  it('a refused CONFIG degrades and says which checks', async () => {
    const { f } = await runChecks({ src: at(real), tgt: await fake({ config: false }) });
    expect(f['config-access']!.severity).toBe('warning');
    expect(f['config-access']!.evidence).toMatchObject({ refused: [expect.objectContaining({ endpoint: 'tgt', error: expect.stringMatching(/unknown command 'CONFIG'/) })] });
    expect(f['proto-max-bulk-len']!.evidence.limit_from).toMatch(/default/);
  });

  it('cluster source with 3 primaries behind an interlay with one listener: blocking', async () => {
    const src = await fake({ mode: 'cluster', primaries: 3, keys: { a: 'string' } });
    const r = await gatherResources(
      { settings: settingsFrom({ src, tgt: at(real) }), interlay: async () => ({ listeners: 1, metrics: null }), log },
      { source: 'src', target: 'tgt', mirrors: [], interlay: 'il', options: OPTIONS, pings: 2 },
    );
    try {
      const f = await CHECKS.find((c) => c.id === 'interlay-listeners')!.run(r);
      expect(f.severity).toBe('blocking');
      expect(f.evidence).toMatchObject({ listeners: 1, listeners_needed: 3 });
    } finally {
      await closeResources(r);
    }
  });
});

describe.each([['copy engine', engineCopier(log)]] as [string, SampleCopier][])('test run (%s)', (_name, copier) => {
  let s: RedisServer;
  let t: RedisServer;
  beforeAll(async () => {
    [s, t] = await Promise.all([startRedis(), startRedis()]);
    s.cli('SET', 'str', 'v');
    s.cli('HSET', 'h', 'a', '1', 'b', '2');
    s.cli('RPUSH', 'l', 'x', 'y');
    s.cli('SADD', 'set', 'm1', 'm2');
    s.cli('ZADD', 'z', '1', 'a', '2', 'b');
    s.cli('XADD', 'st', '*', 'f', 'v');
    s.cli('SET', 'ttl', 'v', 'EX', '1000');
    s.cli('SET', 'shared', 'from-source');
    s.cli('-n', '1', 'SET', 'db1key', 'v');
    t.cli('SET', 'shared', 'pre-existing');
    t.cli('SET', 'target-only', 'keep');
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), t?.stop()]);
  });

  it('copies a sample, verifies it, removes only what it created, and smoke-tests each endpoint', async () => {
    const r = await gatherResources({ settings: settingsFrom({ src: at(s), tgt: at(t) }), log }, { source: 'src', target: 'tgt', mirrors: [], options: OPTIONS, pings: 2 });
    try {
      const res = await runTestRun(r, { sampleKeys: 100 }, copier);
      expect(res.error, JSON.stringify({ ...res, t: t.port, s: s.port })).toBeUndefined();
      expect(res.selected).toBe(9);
      expect(res.skipped_existing).toBe(1);
      expect(res.copied).toBe(8);
      expect(res.verified).toBe(8);
      expect(res.mismatched).toBe(0);
      expect(res.removed).toBe(8);
      expect(res.throughput!.keys_per_sec).toBeGreaterThan(0);
      expect(res.projected_full_copy_seconds).toBeGreaterThan(0);
      expect(res.per_type.map((p) => p.type).sort()).toEqual(['hash', 'list', 'set', 'stream', 'string', 'zset']);
      expect(res.smoke.map((x) => x.ok)).toEqual([true, true]);
      // The target is as it was: the pre-existing keys untouched, nothing else left.
      expect(t.cli('GET', 'shared').trim()).toBe('pre-existing');
      expect(t.cli('GET', 'target-only').trim()).toBe('keep');
      expect(t.cli('DBSIZE').trim()).toBe('2');
      expect(t.cli('-n', '1', 'DBSIZE').trim()).toBe('0');
      // With a pattern, only matching keys are considered.
      const only = await runTestRun(r, { sampleKeys: 10, match: 's*' }, copier);
      expect(only.selected).toBe(4); // str, set, st, shared
      expect(only.skipped_existing).toBe(1);
    } finally {
      await closeResources(r);
    }
  });

  it('a key the application rewrites between its copy and its check is copied and checked again, not a mismatch', async () => {
    const r = await gatherResources({ settings: settingsFrom({ src: at(s), tgt: at(t) }), log }, { source: 'src', target: 'tgt', mirrors: [], options: OPTIONS, pings: 2 });
    let copies = 0;
    // The application writes right after the first copy, as live traffic would.
    const live: SampleCopier = {
      name: copier.name,
      copy: async (...a) => {
        const out = await copier.copy(...a);
        if (copies++ === 0) s.cli('SET', 'str', `rewritten-${Date.now()}`);
        return out;
      },
      verify: (...a) => copier.verify(...a),
    };
    try {
      const res = await runTestRun(r, { sampleKeys: 100, match: 'str' }, live);
      expect(res.error).toBeUndefined();
      expect(res).toMatchObject({ copied: 1, verified: 1, mismatched: 0, rechecked: 1, removed: 1 });
      expect(t.cli('EXISTS', 'str').trim()).toBe('0');
    } finally {
      await closeResources(r);
    }
  });
});
