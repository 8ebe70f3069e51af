/**
 * The endpoint API's shapes, exactly as the product documents them. `config` takes one of
 * two shapes and a mix of both is refused:
 *   1. read_conn + write_conn (+ admin_conn), each with its own host/port/credentials;
 *   2. target + read_credentials / write_credentials / admin_credentials.
 */
import { z } from 'zod';
import type { RedisTarget } from '../redis/target';

export const ENDPOINT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
export const endpointName = z.string().regex(ENDPOINT_NAME, 'use 1-63 letters, digits, "_", "." or "-", starting with a letter or digit');

/** The marker the API returns in place of a stored password; sending it back keeps the stored one. */
export const PASSWORD_MASK = '********';

const host = z.string().min(1, 'host is required').max(255);
const port = z.number().int().min(1).max(65535);
const protocolVersion = z.union([z.literal(2), z.literal(3)]);

export const tlsOptionsSchema = z
  .object({
    /** PEM of the CA that signed the server's certificate (default: the system's CAs). */
    ca: z.string().max(64 * 1024).optional(),
    /** Name to check the certificate against (SNI), when it differs from host. */
    server_name: z.string().max(255).optional(),
    /** Accept any certificate. Off by default; for tests and private networks only. */
    skip_verify: z.boolean().default(false),
  })
  .strict();

const connSchema = z
  .object({
    host,
    port: port.optional(),
    tls: z.boolean().default(false),
    protocol_version: protocolVersion.default(2),
    username: z.string().max(256).optional(),
    password: z.string().max(1024).optional(),
    db: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

const credentialsSchema = z
  .object({
    username: z.string().max(256).optional(),
    password: z.string().max(1024).optional(),
  })
  .strict();

const targetSchema = z
  .object({
    host,
    port: port.optional(),
    tls: z.boolean().default(false),
    protocol_version: protocolVersion.default(2),
    db: z.number().int().min(0).max(10_000).default(0),
  })
  .strict();

export const connectionPoolSchema = z
  .object({
    /** Connections per endpoint and role that requests are multiplexed over. */
    multiplexed_connections: z.number().int().min(1).max(64).default(1),
  })
  .strict();

const common = {
  connection_pool: connectionPoolSchema.default({ multiplexed_connections: 1 }),
  tls_options: tlsOptionsSchema.optional(),
  /** Milliseconds to wait for a TCP/TLS connection and for each reply. */
  connect_timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
  command_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
};

const connsShape = z.object({ read_conn: connSchema, write_conn: connSchema, admin_conn: connSchema.optional(), ...common }).strict();
const targetShape = z
  .object({
    target: targetSchema,
    read_credentials: credentialsSchema.optional(),
    write_credentials: credentialsSchema.optional(),
    admin_credentials: credentialsSchema.optional(),
    ...common,
  })
  .strict();

const CONN_KEYS = ['read_conn', 'write_conn', 'admin_conn'];
const TARGET_KEYS = ['target', 'read_credentials', 'write_credentials', 'admin_credentials'];

/** Picks the shape from the keys present so errors speak of the shape the caller meant. */
export const endpointConfigSchema = z.unknown().transform((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'config must be an object' });
    return z.NEVER;
  }
  const keys = Object.keys(value);
  const hasConn = keys.some((k) => CONN_KEYS.includes(k));
  const hasTarget = keys.some((k) => TARGET_KEYS.includes(k));
  if (hasConn && hasTarget) {
    ctx.addIssue({
      code: 'custom',
      message: 'use either read_conn/write_conn/admin_conn or target with read/write/admin_credentials, not both',
    });
    return z.NEVER;
  }
  if (!hasConn && !hasTarget) {
    ctx.addIssue({ code: 'custom', message: 'config needs read_conn and write_conn, or target' });
    return z.NEVER;
  }
  const r = (hasConn ? connsShape : targetShape).safeParse(value);
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ ...i, path: i.path } as never);
    return z.NEVER;
  }
  return r.data as EndpointConfig;
});

export type ConnsConfig = z.infer<typeof connsShape>;
export type TargetConfig = z.infer<typeof targetShape>;
export type EndpointConfig = ConnsConfig | TargetConfig;
export type TlsOptions = z.infer<typeof tlsOptionsSchema>;

export const createEndpointSchema = z
  .object({
    endpoint: endpointName,
    kind: z.literal('redis').default('redis'),
    config: endpointConfigSchema,
    description: z.string().max(2000).default(''),
  })
  .strict();

export const updateEndpointSchema = z
  .object({
    endpoint: endpointName.optional(),
    kind: z.literal('redis').optional(),
    config: endpointConfigSchema.optional(),
    description: z.string().max(2000).optional(),
  })
  .strict();

export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;
export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;

export const ROLE_NAMES = ['read', 'write', 'admin'] as const;
export type ConnRole = (typeof ROLE_NAMES)[number];

/** Everything needed to open one connection for one role. */
export interface ResolvedConn extends RedisTarget {
  role: ConnRole;
}

/** Per-role connection settings, with defaults applied (6379, or 6380 with TLS). */
export function resolveConns(cfg: EndpointConfig): Partial<Record<ConnRole, ResolvedConn>> {
  const base = { tlsOptions: cfg.tls_options, connectTimeoutMs: cfg.connect_timeout_ms, commandTimeoutMs: cfg.command_timeout_ms };
  const out: Partial<Record<ConnRole, ResolvedConn>> = {};
  if ('read_conn' in cfg) {
    const pairs: [ConnRole, z.infer<typeof connSchema> | undefined][] = [
      ['read', cfg.read_conn],
      ['write', cfg.write_conn],
      ['admin', cfg.admin_conn],
    ];
    for (const [role, c] of pairs) {
      if (!c) continue;
      out[role] = { role, host: c.host, port: c.port ?? (c.tls ? 6380 : 6379), tls: c.tls, protocol: c.protocol_version, username: c.username, password: c.password, db: c.db, ...base };
    }
  } else {
    const t = cfg.target;
    const creds: [ConnRole, z.infer<typeof credentialsSchema> | undefined][] = [
      ['read', cfg.read_credentials],
      ['write', cfg.write_credentials],
      ['admin', cfg.admin_credentials],
    ];
    for (const [role, c] of creds) {
      // read and write always exist with this shape (the target's default user when no credentials).
      if (!c && role === 'admin') continue;
      out[role] = { role, host: t.host, port: t.port ?? (t.tls ? 6380 : 6379), tls: t.tls, protocol: t.protocol_version, username: c?.username, password: c?.password, db: t.db, ...base };
    }
  }
  return out;
}

/** Where each role's password sits in a config: the object holding `password` and its key in the config. */
export function passwordHolders(cfg: EndpointConfig): { role: ConnRole; path: string; holder: { password?: string } }[] {
  const out: { role: ConnRole; path: string; holder: { password?: string } }[] = [];
  if ('read_conn' in cfg) {
    out.push({ role: 'read', path: 'read_conn', holder: cfg.read_conn }, { role: 'write', path: 'write_conn', holder: cfg.write_conn });
    if (cfg.admin_conn) out.push({ role: 'admin', path: 'admin_conn', holder: cfg.admin_conn });
  } else {
    if (cfg.read_credentials) out.push({ role: 'read', path: 'read_credentials', holder: cfg.read_credentials });
    if (cfg.write_credentials) out.push({ role: 'write', path: 'write_credentials', holder: cfg.write_credentials });
    if (cfg.admin_credentials) out.push({ role: 'admin', path: 'admin_credentials', holder: cfg.admin_credentials });
  }
  return out;
}

/**
 * Whether a role's connection now goes somewhere else: another host or port, TLS switched, or
 * other TLS trust (CA, server name, verification). A stored password is only ever sent to
 * where it was entered for; see EndpointService.seal.
 */
export function connMoved(before: ResolvedConn | undefined, after: ResolvedConn | undefined): boolean {
  if (!before || !after) return true;
  const trust = (c: ResolvedConn) => JSON.stringify([c.tlsOptions?.ca ?? null, c.tlsOptions?.server_name ?? null, c.tlsOptions?.skip_verify ?? false]);
  return before.host.toLowerCase() !== after.host.toLowerCase() || before.port !== after.port || before.tls !== after.tls || (after.tls && trust(before) !== trust(after));
}
