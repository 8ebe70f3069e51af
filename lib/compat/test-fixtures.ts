/** Fabricated resources for the checks' unit tests: a healthy Redis 7.0 pair unless overridden. */
import type { ResolvedConn } from '../endpoints/schema';
import type { EndpointFacts, Resources, RoleConn, SampledKey } from './types';

export function conn(role: 'read' | 'write' | 'admin', extra: Partial<ResolvedConn> = {}): ResolvedConn {
  return { role, host: '127.0.0.1', port: 6379, tls: false, protocol: 2, db: 0, connectTimeoutMs: 1000, commandTimeoutMs: 1000, ...extra };
}

export function roleConn(role: 'read' | 'write' | 'admin', extra: Partial<RoleConn> = {}): RoleConn {
  return { role, settings: conn(role), conn: {} as never, ...extra };
}

export function endpoint(name: string, kind: EndpointFacts['kind'], over: Partial<EndpointFacts> = {}, info: Record<string, string> = {}): EndpointFacts {
  return {
    name,
    kind,
    roles: { read: roleConn('read'), write: roleConn('write') },
    info: { redis_version: '7.0.15', redis_mode: 'standalone', cluster_enabled: '0', used_memory: '1000000', maxmemory: '0', maxmemory_policy: 'noeviction', ...info },
    config: { maxmemory: '0', 'maxmemory-policy': 'noeviction', 'proto-max-bulk-len': '536870912', databases: '16', 'cluster-enabled': 'no' },
    modules: [],
    keyspace: [],
    latency: { samples: 20, median_ms: 0.2, p99_ms: 0.5, max_ms: 0.6 },
    ...over,
  };
}

export function key(k: string, type = 'string', memory = 100, pttl = -1, db = 0): SampledKey {
  return { db, key: Buffer.from(k), type, pttl, memory };
}

export function resources(over: Partial<Resources> = {}): Resources {
  return {
    options: { conflictPolicy: 'Replace', fallback: 'never', bigKeyThresholdMb: 8, latencyWarnMs: 5 },
    source: endpoint('src', 'source', { keyspace: [{ db: 0, keys: 2, expires: 0 }] }),
    target: endpoint('tgt', 'target'),
    mirrors: [],
    sample: { keys: [key('user:1'), key('user:2', 'hash')], totalKeys: 2, dumpMs: 1, dumpedKeys: 2, dumpedBytes: 40, largestDump: { db: 0, key: 'user:2', bytes: 30 }, rdbVersion: 10 },
    interlay: null,
    collisions: { checked: 2, existing: 0 },
    ...over,
  };
}
