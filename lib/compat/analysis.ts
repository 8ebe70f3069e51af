/**
 * Keyspace and workload analysis from the shared resources: per-db counts, memory, type
 * and TTL distributions and big keys from the sample (with its size and a confidence
 * statement), common key prefixes, an estimated copy duration, and the interlay's command
 * mix with the commands that need care during a migration.
 */
import { classify } from '../commands';
import { displayKey, mb, num, round } from './facts';
import type { Resources, WorkloadMetrics } from './types';

export const TTL_BUCKETS = ['none', '<1m', '<1h', '<1d', 'longer'] as const;

export interface KeyspaceAnalysis {
  databases: { db: number; keys: number; expires: number }[];
  total_keys: number;
  used_memory: number | null;
  used_memory_human: string | null;
  sample_size: number;
  confidence: string;
  types: { type: string; count: number; share_pct: number }[];
  ttl: { bucket: (typeof TTL_BUCKETS)[number]; count: number }[];
  big_keys: { db: number; key: string; type: string; bytes: number; human: string }[];
  prefixes: { prefix: string; count: number; share_pct: number }[];
  estimate: { keys_per_sec: number | null; bytes_per_sec: number | null; seconds: number | null; basis: string };
}

export interface WorkloadAnalysis {
  interlay: string;
  available: boolean;
  note?: string;
  ops_total?: number;
  ops_per_sec?: number;
  read_write?: { reads: number; writes: number; other: number; write_share_pct: number };
  commands?: { name: string; count: number; kind: 'read' | 'write' | 'other' }[];
  latency_us?: WorkloadMetrics['latency_us'];
  needs_care?: { group: string; commands: { name: string; count: number }[]; total: number; why: string }[];
}

export interface Analysis {
  keyspace: KeyspaceAnalysis | null;
  workload: WorkloadAnalysis | null;
}

function ttlBucket(pttl: number): (typeof TTL_BUCKETS)[number] {
  if (pttl < 0) return 'none';
  if (pttl < 60_000) return '<1m';
  if (pttl < 3_600_000) return '<1h';
  if (pttl < 86_400_000) return '<1d';
  return 'longer';
}

/** The first segment of a key name, split on the separators people use: ':' first, then '.', '/', '|', '#'. */
export function prefixOf(key: string): string {
  const m = /^([^:./|#]+)[:./|#]/.exec(key);
  return m ? `${m[1]}${key[m[1]!.length]}*` : '(no prefix)';
}

export function analyzeKeyspace(r: Resources, measured?: { keys_per_sec: number; bytes_per_sec: number } | null): KeyspaceAnalysis | null {
  if (!r.source.info) return null;
  const s = r.sample;
  const keys = s?.keys ?? [];
  const total = r.source.keyspace.reduce((a, d) => a + d.keys, 0);
  const n = keys.length;
  const typeCounts = new Map<string, number>();
  const ttlCounts = new Map<string, number>(TTL_BUCKETS.map((b) => [b, 0]));
  const prefixCounts = new Map<string, number>();
  for (const k of keys) {
    typeCounts.set(k.type, (typeCounts.get(k.type) ?? 0) + 1);
    ttlCounts.set(ttlBucket(k.pttl), ttlCounts.get(ttlBucket(k.pttl))! + 1);
    const p = prefixOf(displayKey(k.key));
    prefixCounts.set(p, (prefixCounts.get(p) ?? 0) + 1);
  }
  const pct = (c: number) => (n ? round((c / n) * 100, 1) : 0);
  // 95% margin of a proportion at its worst (p = 0.5), with the finite-population correction.
  const margin = n && total ? 1.96 * Math.sqrt(0.25 / n) * Math.sqrt(Math.max(0, (total - n) / Math.max(1, total - 1))) : null;
  const confidence =
    n === 0
      ? 'no keys sampled'
      : n >= total
        ? `every key (${n}) was examined; the distributions are exact`
        : `sampled ${n} of ${total} keys (${round((n / total) * 100, 2)}%) with SCAN; shares are within ±${round((margin ?? 0) * 100, 1)} percentage points at 95% confidence, and keys outside the sample (including big ones) may be missed`;

  let estimate: KeyspaceAnalysis['estimate'];
  if (measured && measured.keys_per_sec > 0) {
    estimate = { keys_per_sec: round(measured.keys_per_sec, 1), bytes_per_sec: round(measured.bytes_per_sec, 0), seconds: round(total / measured.keys_per_sec, 1), basis: 'throughput of the test run (DUMP + RESTORE + verify through the copy engine)' };
  } else if (s && s.dumpedKeys > 0 && s.dumpMs > 0) {
    // DUMP alone is about half of a DUMP+RESTORE round; halve the rate to stay honest.
    const kps = (s.dumpedKeys / (s.dumpMs / 1000)) / 2;
    estimate = { keys_per_sec: round(kps, 1), bytes_per_sec: round((s.dumpedBytes / (s.dumpMs / 1000)) / 2, 0), seconds: round(total / kps, 1), basis: `timed DUMP of ${s.dumpedKeys} sampled keys, halved for the RESTORE side; run a test run for a measured figure` };
  } else {
    estimate = { keys_per_sec: null, bytes_per_sec: null, seconds: total === 0 ? 0 : null, basis: total === 0 ? 'nothing to copy' : 'no throughput sample' };
  }
  const used = num(r.source.info.used_memory);
  return {
    databases: r.source.keyspace,
    total_keys: total,
    used_memory: used,
    used_memory_human: used === null ? null : mb(used),
    sample_size: n,
    confidence,
    types: [...typeCounts].sort((a, b) => b[1] - a[1]).map(([type, count]) => ({ type, count, share_pct: pct(count) })),
    ttl: TTL_BUCKETS.map((b) => ({ bucket: b, count: ttlCounts.get(b)! })),
    big_keys: [...keys]
      .filter((k) => k.memory !== null)
      .sort((a, b) => b.memory! - a.memory!)
      .slice(0, 10)
      .map((k) => ({ db: k.db, key: displayKey(k.key), type: k.type, bytes: k.memory!, human: mb(k.memory!) })),
    prefixes: [...prefixCounts].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([prefix, count]) => ({ prefix, count, share_pct: pct(count) })),
    estimate,
  };
}

const CARE: { group: string; why: string; test: (name: string) => boolean }[] = [
  { group: 'transactions', why: 'MULTI/EXEC and WATCH pin a session to one backend; WATCH cannot see writes mirrored to the other side', test: (n) => classify(n.split('|')).isTransaction },
  { group: 'scripts', why: 'EVAL/FCALL may touch keys not declared as arguments; mirrored scripts must exist (SCRIPT LOAD / FUNCTION) on the target', test: (n) => classify(n.split('|')).isScripting },
  { group: 'pub/sub', why: 'subscriptions are not copied and publishers/subscribers must move together', test: (n) => classify(n.split('|')).isPubSub },
  { group: 'blocking', why: 'blocking pops hold a connection and consume data on one side only', test: (n) => classify(n.split('|')).isBlocking },
  { group: 'SELECT', why: 'database switches must map to the same database on the target (clusters have db 0 only)', test: (n) => n.toUpperCase() === 'SELECT' || n.toUpperCase() === 'SWAPDB' || n.toUpperCase() === 'MOVE' },
];

export function analyzeWorkload(r: Resources): WorkloadAnalysis | null {
  if (!r.interlay) return null;
  const m = r.interlay.metrics;
  if (!m || !m.ops || m.ops.total === 0) {
    return { interlay: r.interlay.name, available: false, note: r.interlay.error ?? 'no traffic has flowed through the interlay yet; route some traffic and re-run' };
  }
  let reads = 0;
  let writes = 0;
  let other = 0;
  const commands = m.commands
    .map((c) => {
      const info = classify(c.name.split('|'));
      const kind: 'read' | 'write' | 'other' = info.isWrite ? 'write' : info.isRead ? 'read' : 'other';
      if (kind === 'write') writes += c.count;
      else if (kind === 'read') reads += c.count;
      else other += c.count;
      return { name: c.name.toUpperCase(), count: c.count, kind };
    })
    .sort((a, b) => b.count - a.count);
  const needsCare = CARE.map((g) => {
    const cs = commands.filter((c) => g.test(c.name)).map((c) => ({ name: c.name, count: c.count }));
    return { group: g.group, why: g.why, commands: cs, total: cs.reduce((s, c) => s + c.count, 0) };
  }).filter((g) => g.total > 0);
  return {
    interlay: r.interlay.name,
    available: true,
    ops_total: m.ops.total,
    ops_per_sec: m.ops.per_sec,
    read_write: { reads, writes, other, write_share_pct: reads + writes ? round((writes / (reads + writes)) * 100, 1) : 0 },
    commands,
    latency_us: m.latency_us,
    needs_care: needsCare,
  };
}
