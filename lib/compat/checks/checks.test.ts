import { describe, expect, it } from 'vitest';
import { endpoint, key, resources, roleConn } from '../test-fixtures';
import type { Resources } from '../types';
import {
  bigKeys,
  clusterMode,
  configAccess,
  evictionPolicy,
  interlayListeners,
  latency,
  memoryHeadroom,
  modules,
  multiDbCluster,
  protoMaxBulkLen,
  rdbVersion,
  sourceVersion,
  targetNotEmpty,
  tlsAuth,
} from './index';
import { CHECKS } from './index';

const run = async (c: { run(r: Resources): unknown }, r: Resources) => (await c.run(r)) as { severity: string; title: string; evidence: Record<string, unknown>; remediation: string };

describe('compatibility checks (fabricated resources)', () => {
  it('has 15 checks with unique ids', () => {
    expect(CHECKS).toHaveLength(15);
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(15);
  });

  it('every check passes (or is info) on a healthy pair', async () => {
    const r = resources();
    for (const c of CHECKS) {
      if (c.id === 'acl') continue; // needs live connections; see compat.int.test.ts
      const f = await run(c, r);
      expect(['pass', 'info'], `${c.id}: ${f.title}`).toContain(f.severity);
    }
  });

  it('1 source-version: Redis 4.0.14 is blocking; 5.0 passes', async () => {
    const old = await run(sourceVersion, resources({ source: endpoint('src', 'source', {}, { redis_version: '4.0.14' }) }));
    expect(old.severity).toBe('blocking');
    expect(old.evidence).toMatchObject({ version: '4.0.14', minimum: '5.0.0' });
    expect((await run(sourceVersion, resources({ source: endpoint('src', 'source', {}, { redis_version: '5.0.0' }) }))).severity).toBe('pass');
  });

  it('2 rdb-version: RDB 10 to a 6.2 target is blocking; warning with the fallback share when fallback is auto; same version passes', async () => {
    const r = resources({ target: endpoint('tgt', 'target', {}, { redis_version: '6.2.14' }) });
    const f = await run(rdbVersion, r);
    expect(f.severity).toBe('blocking');
    expect(f.evidence).toMatchObject({ source_rdb_version: 10, target_max_rdb_version: 9, source_rdb_from: 'DUMP payload trailer' });
    const auto = await run(rdbVersion, { ...r, options: { ...r.options, fallback: 'auto' } });
    expect(auto.severity).toBe('warning');
    expect(auto.evidence).toMatchObject({ fallback_handles: 2, fallback_cannot: 0, fallback_share_pct: 100 });
    const mod = await run(rdbVersion, { ...r, options: { ...r.options, fallback: 'auto' }, sample: { ...r.sample!, keys: [key('a'), key('j', 'ReJSON-RL')] } });
    expect(mod.severity).toBe('blocking');
    expect((await run(rdbVersion, resources())).severity).toBe('pass');
    // Valkey 9 (RDB 80) loads a Redis 7.4 payload (RDB 12) only in relaxed mode.
    const valkey = await run(rdbVersion, resources({ target: endpoint('tgt', 'target', {}, { redis_version: '7.2.4', valkey_version: '9.0.0', server_name: 'valkey' }), sample: { ...resources().sample!, rdbVersion: 12 } }));
    expect(valkey.severity).toBe('blocking');
    expect(valkey.remediation).toMatch(/relaxed/);
  });

  it('3 modules: ReJSON keys with no ReJSON on the target are blocking; modules present pass', async () => {
    const source = endpoint('src', 'source', { modules: [{ name: 'ReJSON', version: '20609' }] });
    const sample = { ...resources().sample!, keys: [key('doc:1', 'ReJSON-RL'), key('u')] };
    const f = await run(modules, resources({ source, sample }));
    expect(f.severity).toBe('blocking');
    expect(f.evidence).toMatchObject({ missing_on_target: ['ReJSON'], unsupported_types: ['ReJSON-RL'] });
    expect((await run(modules, resources({ source }))).severity).toBe('warning');
    const ok = await run(modules, resources({ source, sample, target: endpoint('tgt', 'target', { modules: [{ name: 'ReJSON', version: '20609' }] }) }));
    expect(ok.severity).toBe('pass');
    const degraded = await run(modules, resources({ target: endpoint('tgt', 'target', { modules: null, modulesError: "ERR unknown command 'MODULE'" }) }));
    expect(degraded.severity).toBe('warning');
    expect(degraded.title).toMatch(/degraded/);
  });

  it('5 cluster-mode: standalone → cluster is a warning; same mode passes', async () => {
    const f = await run(clusterMode, resources({ target: endpoint('tgt', 'target', {}, { redis_mode: 'cluster', cluster_enabled: '1' }) }));
    expect(f.severity).toBe('warning');
    expect(f.evidence).toMatchObject({ source_mode: 'standalone', target_mode: 'cluster' });
    expect((await run(clusterMode, resources())).severity).toBe('pass');
  });

  it('6 interlay-listeners: a 3-primary cluster source behind one listener is blocking; standalone passes', async () => {
    const interlay = { name: 'il', listeners: 1, metrics: null };
    const f = await run(interlayListeners, resources({ interlay, source: endpoint('src', 'source', { clusterPrimaries: 3 }, { redis_mode: 'cluster', cluster_enabled: '1' }) }));
    expect(f.severity).toBe('blocking');
    expect(f.evidence).toMatchObject({ listeners: 1, listeners_needed: 3 });
    expect((await run(interlayListeners, resources({ interlay }))).severity).toBe('pass');
  });

  it('7 target-not-empty: existing keys are a warning that explains the policy; empty passes', async () => {
    const r = resources({ target: endpoint('tgt', 'target', { keyspace: [{ db: 0, keys: 5, expires: 0 }, { db: 2, keys: 1, expires: 0 }] }), options: { ...resources().options, conflictPolicy: 'None' } });
    const f = await run(targetNotEmpty, r);
    expect(f.severity).toBe('warning');
    expect(f.evidence).toMatchObject({ keys_per_db: { db0: 5, db2: 1 }, total_keys: 6, conflict_policy: 'None' });
    expect(f.remediation).toMatch(/BUSYKEY/);
    expect((await run(targetNotEmpty, resources())).severity).toBe('pass');
  });

  it('8 memory-headroom: too small is blocking, tight is a warning, unlimited is info, enough passes', async () => {
    const src = endpoint('src', 'source', { keyspace: [{ db: 0, keys: 2, expires: 0 }] }, { used_memory: String(100 * 1024 * 1024) });
    const tgt = (max: number) => endpoint('tgt', 'target', {}, { maxmemory: String(max), used_memory: '0' });
    expect((await run(memoryHeadroom, resources({ source: src, target: tgt(50 * 1024 * 1024) }))).severity).toBe('blocking');
    const tight = await run(memoryHeadroom, resources({ source: src, target: tgt(110 * 1024 * 1024) }));
    expect(tight.severity).toBe('warning');
    expect(tight.evidence).toMatchObject({ overhead_factor: 1.2 });
    expect((await run(memoryHeadroom, resources({ source: src, target: tgt(0) }))).severity).toBe('info');
    expect((await run(memoryHeadroom, resources({ source: src, target: tgt(200 * 1024 * 1024) }))).severity).toBe('pass');
  });

  it('9 eviction-policy: allkeys-lru with maxmemory is a warning; volatile-* says TTL keys only; noeviction passes', async () => {
    const f = await run(evictionPolicy, resources({ target: endpoint('tgt', 'target', {}, { maxmemory: '1000000', maxmemory_policy: 'allkeys-lru' }) }));
    expect(f.severity).toBe('warning');
    const v = await run(evictionPolicy, resources({ target: endpoint('tgt', 'target', {}, { maxmemory: '1000000', maxmemory_policy: 'volatile-lru' }) }));
    expect(v.title).toMatch(/TTL/);
    expect(v.evidence.affected).toMatch(/only keys with a TTL/);
    expect((await run(evictionPolicy, resources())).severity).toBe('pass');
  });

  it('10 multi-db-cluster: db 3 in use with a cluster target is blocking; db 0 only passes', async () => {
    const source = endpoint('src', 'source', { keyspace: [{ db: 0, keys: 1, expires: 0 }, { db: 3, keys: 4, expires: 0 }] });
    const target = endpoint('tgt', 'target', {}, { redis_mode: 'cluster', cluster_enabled: '1' });
    expect((await run(multiDbCluster, resources({ source, target }))).severity).toBe('blocking');
    expect((await run(multiDbCluster, resources({ target }))).severity).toBe('pass');
  });

  it('11 proto-max-bulk-len: a key larger than the limit is blocking; smaller passes; CONFIG refused is info', async () => {
    const target = endpoint('tgt', 'target', { config: { 'proto-max-bulk-len': '1048576' } });
    const sample = { ...resources().sample!, largestDump: { db: 0, key: 'big', bytes: 2 * 1024 * 1024 } };
    const f = await run(protoMaxBulkLen, resources({ target, sample }));
    expect(f.severity).toBe('blocking');
    expect(f.evidence).toMatchObject({ target_proto_max_bulk_len: 1048576 });
    expect((await run(protoMaxBulkLen, resources({ target }))).severity).toBe('pass');
    expect((await run(protoMaxBulkLen, resources({ target: endpoint('tgt', 'target', { config: null, configError: 'ERR unknown command' }) }))).severity).toBe('info');
  });

  it('12 big-keys: keys above the threshold are listed; none passes', async () => {
    const sample = { ...resources().sample!, keys: [key('big:1', 'list', 20 * 1024 * 1024), key('small')] };
    const f = await run(bigKeys, resources({ sample }));
    expect(f.severity).toBe('warning');
    expect((f.evidence.big_keys as { key: string }[]).map((k) => k.key)).toEqual(['big:1']);
    expect((await run(bigKeys, resources())).severity).toBe('pass');
  });

  it('13 config-access: a refused CONFIG is a warning naming the degraded checks; allowed passes', async () => {
    const f = await run(configAccess, resources({ target: endpoint('tgt', 'target', { config: null, configError: "ERR unknown command 'CONFIG'" }) }));
    expect(f.severity).toBe('warning');
    expect((f.evidence.degraded_checks as { check: string }[]).map((d) => d.check)).toContain('proto-max-bulk-len');
    expect((await run(configAccess, resources())).severity).toBe('pass');
  });

  it('14 tls-auth: NOAUTH, "without any password configured" and TLS mismatches are blocking; connected passes', async () => {
    const failing = (error: { code: string; message: string }, diagnosis?: string) =>
      resources({ target: endpoint('tgt', 'target', { roles: { read: roleConn('read', { conn: null, error, diagnosis }), write: roleConn('write') } }) });
    const noauth = await run(tlsAuth, failing({ code: 'NOAUTH', message: 'NOAUTH Authentication required.' }));
    expect(noauth.severity).toBe('blocking');
    expect(noauth.title).toMatch(/requires a password/);
    const nopass = await run(tlsAuth, failing({ code: 'AUTH', message: 'ERR AUTH <password> called without any password configured for the default user.' }));
    expect(nopass.title).toMatch(/none configured/);
    const tls = await run(tlsAuth, failing({ code: 'ECONNRESET', message: 'closed' }, 'server-speaks-tls'));
    expect(tls.title).toMatch(/only speaks TLS/);
    expect((await run(tlsAuth, resources())).severity).toBe('pass');
  });

  it('15 latency: above 5 ms median is a warning, otherwise info', async () => {
    const slow = resources({ target: endpoint('tgt', 'target', { latency: { samples: 20, median_ms: 12, p99_ms: 30, max_ms: 40 } }) });
    expect((await run(latency, slow)).severity).toBe('warning');
    const ok = await run(latency, resources());
    expect(ok.severity).toBe('info');
    expect((ok.evidence.endpoints as unknown[]).length).toBe(2);
  });
});
