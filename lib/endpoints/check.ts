/**
 * One role's connectivity check: connect with that role's settings on a fresh connection,
 * time PINGs, read `INFO server` and `INFO keyspace`, and list modules when allowed. Every
 * failure becomes a readable message with a code the UI can show.
 */
import { RedisClientError } from '../redis/errors';
import { RespError, type RespValue } from '../resp/types';
import { connectionOptions, openConnection } from './connections';
import type { ConnRole, ResolvedConn } from './schema';

export interface RoleCheck {
  role: ConnRole;
  host: string;
  port: number;
  tls: boolean;
  username: string | null;
  reachable: boolean;
  latency_ms?: number;
  server?: { product: string; version: string; mode: string; os?: string; uptime_s?: number };
  databases?: { db: number; keys: number; expires: number }[];
  modules?: { name: string; version: number | string }[] | null;
  modules_error?: string;
  error?: { code: 'AUTH' | 'TLS' | 'TIMEOUT' | 'REFUSED' | 'DNS' | 'NOPERM' | 'OTHER'; message: string };
}

const PINGS = 3;

export async function checkRole(conn: ResolvedConn): Promise<RoleCheck> {
  const base: RoleCheck = { role: conn.role, host: conn.host, port: conn.port, tls: conn.tls, username: conn.username ?? null, reachable: false };
  let client;
  try {
    client = await openConnection(connectionOptions(conn, `ri-check-${conn.role}`));
  } catch (e) {
    return { ...base, error: describeError(e, conn) };
  }
  try {
    const times: number[] = [];
    for (let i = 0; i < PINGS; i++) {
      const t = performance.now();
      const pong = await client.call('PING');
      if (pong instanceof RespError) return { ...base, reachable: true, error: replyError(pong) };
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const result: RoleCheck = { ...base, reachable: true, latency_ms: round(times[Math.floor(times.length / 2)]!) };

    const info = await client.call('INFO', 'server');
    if (info instanceof RespError) {
      result.error = replyError(info);
    } else {
      result.server = parseServerInfo(parseInfo(text(info)));
    }
    const keyspace = await client.call('INFO', 'keyspace');
    if (!(keyspace instanceof RespError)) result.databases = parseKeyspace(parseInfo(text(keyspace)));

    const modules = await client.call('MODULE', 'LIST');
    if (modules instanceof RespError) {
      result.modules = null;
      result.modules_error = modules.message;
    } else {
      result.modules = parseModules(modules);
    }
    return result;
  } catch (e) {
    return { ...base, reachable: false, error: describeError(e, conn) };
  } finally {
    client.close();
  }
}

export function parseInfo(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of s.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Tells Redis from its compatible cousins by the fields each one adds to INFO server. */
export function parseServerInfo(info: Record<string, string>): NonNullable<RoleCheck['server']> {
  let product = 'redis';
  let version = info.redis_version ?? 'unknown';
  if (info.dragonfly_version) {
    product = 'dragonfly';
    version = info.dragonfly_version;
  } else if (info.valkey_version || info.server_name === 'valkey') {
    product = 'valkey';
    version = info.valkey_version ?? version;
  } else if (info.server_name) {
    product = info.server_name;
  } else if (Object.keys(info).some((k) => k.startsWith('keydb'))) {
    product = 'keydb';
  }
  return {
    product,
    version,
    mode: info.redis_mode ?? info.server_mode ?? 'standalone',
    ...(info.os ? { os: info.os } : {}),
    ...(info.uptime_in_seconds ? { uptime_s: Number(info.uptime_in_seconds) } : {}),
  };
}

export function parseKeyspace(info: Record<string, string>): { db: number; keys: number; expires: number }[] {
  const out: { db: number; keys: number; expires: number }[] = [];
  for (const [k, v] of Object.entries(info)) {
    const m = /^db(\d+)$/.exec(k);
    if (!m) continue;
    const fields = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
    out.push({ db: Number(m[1]), keys: Number(fields.keys ?? 0), expires: Number(fields.expires ?? 0) });
  }
  return out.sort((a, b) => a.db - b.db);
}

function parseModules(v: RespValue): { name: string; version: number | string }[] {
  if (!Array.isArray(v)) return [];
  return v.map((m) => {
    const flat: RespValue[] = Array.isArray(m) ? m : (m as { entries?: [RespValue, RespValue][] }).entries?.flat() ?? [];
    const rec: Record<string, RespValue> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) rec[String(flat[i])] = flat[i + 1]!;
    const ver = rec.ver;
    return { name: String(rec.name ?? ''), version: typeof ver === 'number' ? ver : String(ver ?? '') };
  });
}

function text(v: RespValue): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'text' in v) return String((v as { text: string }).text);
  return String(v ?? '');
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function replyError(e: RespError): NonNullable<RoleCheck['error']> {
  if (e.code === 'NOPERM') return { code: 'NOPERM', message: `The user lacks a permission: ${e.message}` };
  if (e.code === 'NOAUTH' || e.code === 'WRONGPASS') return { code: 'AUTH', message: `Authentication failed: ${e.message}` };
  return { code: 'OTHER', message: e.message };
}

/** Readable messages for what people get wrong most: password, TLS, host, port, firewall. */
export function describeError(e: unknown, conn: ResolvedConn): NonNullable<RoleCheck['error']> {
  const where = `${conn.host}:${conn.port}`;
  if (e instanceof RedisClientError) {
    switch (e.code) {
      case 'AUTH':
        return { code: 'AUTH', message: `Authentication failed for ${conn.username ? `user "${conn.username}"` : 'the default user'}: ${e.reply?.message ?? e.message}` };
      case 'NOAUTH':
        return { code: 'AUTH', message: `The server at ${where} requires a password and none is configured for the ${conn.role} role` };
      case 'TLS':
        return { code: 'TLS', message: `TLS failed with ${where}: ${e.message}` };
      case 'ETIMEDOUT':
        return { code: 'TIMEOUT', message: `No answer from ${where} within ${conn.connectTimeoutMs} ms (wrong host/port, a firewall, or a TLS/plain-text mismatch)` };
      case 'ECONNREFUSED':
        return { code: 'REFUSED', message: `Connection refused by ${where}: nothing listens there` };
      case 'ENOTFOUND':
        return { code: 'DNS', message: `Host "${conn.host}" was not found` };
      case 'ECONNRESET':
        return {
          code: conn.tls ? 'TLS' : 'OTHER',
          message: conn.tls ? `The connection to ${where} was reset during TLS (is TLS enabled on the server?)` : `The connection to ${where} was closed by the server (does it expect TLS?)`,
        };
      default:
        return { code: 'OTHER', message: e.message };
    }
  }
  return { code: 'OTHER', message: (e as Error)?.message ?? String(e) };
}
