/**
 * Pure helpers over what servers report: product and version from INFO, the RDB version
 * each release writes and accepts, DUMP payload trailers, key display, percentiles.
 */
import { parseServerInfo } from '../endpoints/check';
import type { EndpointFacts } from './types';

/** The types Redis itself defines; anything else TYPE returns comes from a module. */
export const CORE_TYPES = new Set(['string', 'list', 'set', 'zset', 'hash', 'stream']);

/** Types the copy engine's type-based fallback (read values, write with type commands) can rebuild. */
export const FALLBACK_TYPES = CORE_TYPES;

/** TYPE names of well-known module data types → the MODULE LIST name that provides them. */
export const MODULE_TYPES: Record<string, string> = {
  'ReJSON-RL': 'ReJSON',
  'MBbloom--': 'bf',
  'MBbloomCF': 'bf',
  'CMSk-TYPE': 'bf',
  'TopK-TYPE': 'bf',
  'TDIS-TYPE': 'bf',
  'TSDB-TYPE': 'timeseries',
  'graphdata': 'graph',
};

export interface Version {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

export function parseVersion(text: string | undefined): Version | null {
  if (!text) return null;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0), text: text.trim() };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function serverOf(f: EndpointFacts): { product: string; version: Version | null; mode: string } | null {
  if (!f.info) return null;
  const s = parseServerInfo(f.info);
  return { product: s.product, version: parseVersion(s.version), mode: s.mode };
}

/**
 * The newest RDB format a release writes (and so the newest its RESTORE accepts: a DUMP
 * payload whose version is above RDB_VERSION is refused with "DUMP payload version or
 * checksum are wrong"). Sources: rdb.h of each release.
 *   Redis 2.6/2.8 → 6, 3.x → 7, 4.0 → 8, 5.0–6.2 → 9, 7.0 → 10, 7.2 → 11, 7.4 and 8.x → 12.
 *   Valkey 7.2–8.1 → 11 (Valkey moved back to 11 for 7.2 compatibility, valkey#665);
 *   Valkey 9.0 → 80 (its own range; Redis' 12–79 are "foreign" and only load with
 *   `rdb-version-check relaxed`, valkey#2543).
 * Returns null for products whose format is not known (Dragonfly, KeyDB forks).
 */
export function maxRdbVersion(product: string, v: Version | null): number | null {
  if (!v) return null;
  if (product === 'valkey') return v.major >= 9 ? 80 : 11;
  if (product !== 'redis') return null;
  const n = v.major * 100 + v.minor;
  if (n >= 704) return 12;
  if (n >= 702) return 11;
  if (n >= 700) return 10;
  if (n >= 500) return 9;
  if (n >= 400) return 8;
  if (n >= 300) return 7;
  if (n >= 206) return 6;
  return 5;
}

/** How a target treats a payload of `rdb`: loads it, refuses it, or loads it only in Valkey's relaxed mode. */
export function rdbAcceptance(rdb: number, product: string, targetMax: number): 'yes' | 'no' | 'relaxed-only' {
  if (rdb <= targetMax) {
    // Valkey 9 (80) does not write 12–79, and reads them only in relaxed mode.
    if (product === 'valkey' && targetMax >= 80 && rdb >= 12 && rdb < 80) return 'relaxed-only';
    return 'yes';
  }
  if (product === 'valkey' && rdb >= 12 && rdb < 80) return 'relaxed-only';
  return 'no';
}

/**
 * A DUMP payload ends with the RDB version (2 bytes, little-endian) and a CRC64 (8 bytes):
 * `<type><value>...<rdbver lo><rdbver hi><crc64 x8>`.
 */
export function rdbVersionOfDump(payload: Buffer): number | null {
  if (payload.length < 11) return null;
  return payload.readUInt16LE(payload.length - 10);
}

/** A key as text for reports: UTF-8 when it is printable, otherwise with \xNN escapes. */
export function displayKey(key: Buffer, max = 200): string {
  let s = '';
  for (const b of key.subarray(0, max)) {
    s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x5c ? '\\\\' : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  if (key.length > max) s += `… (${key.length} bytes)`;
  // Keep valid multibyte UTF-8 readable.
  const utf = key.subarray(0, max).toString('utf8');
  if (!utf.includes('\uFFFD') && !/[\x00-\x1f\x7f]/.test(utf)) return key.length > max ? `${utf}… (${key.length} bytes)` : utf;
  return s;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function mb(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${round(bytes / 1024 ** 3, 2)} GiB`;
  if (bytes >= 1024 ** 2) return `${round(bytes / 1024 ** 2, 2)} MiB`;
  if (bytes >= 1024) return `${round(bytes / 1024, 1)} KiB`;
  return `${bytes} B`;
}

/** Parses a Redis memory size as CONFIG prints it ("536870912", "512mb", "1gb"). */
export function parseMemory(s: string | undefined): number | null {
  if (s === undefined) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?$/i.exec(s.trim());
  if (!m) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1_000_000, mb: 1024 ** 2, g: 1_000_000_000, gb: 1024 ** 3 };
  return Math.round(Number(m[1]) * mult[unit]!);
}

export function isCluster(f: EndpointFacts): boolean | null {
  if (!f.info) return null;
  if (f.info.cluster_enabled !== undefined) return f.info.cluster_enabled === '1';
  return (f.info.redis_mode ?? f.info.server_mode) === 'cluster';
}
