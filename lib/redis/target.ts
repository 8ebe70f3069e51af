/**
 * Where and how to reach one Redis: what an endpoint's role resolves to, and what the
 * console's checks, the interlay's backend connections and the copier all connect with.
 */
import type { RedisConnectionOptions } from './connection';

export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  tlsOptions?: { ca?: string; server_name?: string; skip_verify?: boolean };
  username?: string;
  password?: string;
  db: number;
  /** The highest protocol to ask for (HELLO 3 when 3). */
  protocol: 2 | 3;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** Node's TLS options for a target; SNI defaults to the host unless it is an IP address (the client decides). */
export function targetTlsOptions(t: RedisTarget): { ca?: string; servername?: string; rejectUnauthorized: boolean } | false {
  if (!t.tls) return false;
  return { ca: t.tlsOptions?.ca, servername: t.tlsOptions?.server_name, rejectUnauthorized: !t.tlsOptions?.skip_verify };
}

/** Client options for a target; `overrides` for what a caller changes (db, client name, protocol). */
export function targetConnectionOptions(t: RedisTarget, overrides: Partial<RedisConnectionOptions> = {}): RedisConnectionOptions {
  return {
    host: t.host,
    port: t.port,
    tls: targetTlsOptions(t),
    username: t.username,
    password: t.password,
    db: t.db,
    protocol: t.protocol,
    connectTimeoutMs: t.connectTimeoutMs,
    commandTimeoutMs: t.commandTimeoutMs,
    ...overrides,
  };
}
