/**
 * The interlay API's shapes, as the product documents them. Browser-safe (zod only): the
 * create/edit form validates with the same rules the server applies.
 *
 * Secrets (auth passwords, the TLS private key) come back from the API as SECRET_MASK with a
 * `has_*` flag; sending the mask back keeps the stored value.
 */
import { z } from 'zod';
import { PASSWORD_MASK } from '../endpoints/schema';
import { STAGES, WRITE_CONSISTENCY, type Stage, type WriteConsistency } from '../migration/stages';
// Type-only: the engine's code never reaches the browser bundle.
import type { InterlayMetrics, InterlayStatus } from '../interlay/types';

/** Same rule as endpoint names: they share URLs, rooms and Prometheus labels. */
export const INTERLAY_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
export const interlayId = z.string().regex(INTERLAY_ID, 'use 1-63 letters, digits, "_", "." or "-", starting with a letter or digit');
const endpointRef = z.string().regex(INTERLAY_ID, 'use the name of an existing endpoint');

/** The same mask the endpoints API uses for passwords. */
export const SECRET_MASK = PASSWORD_MASK;

export const DEFAULT_BIND_ADDRESS = '127.0.0.1';
export const DEFAULT_MAX_CONNECTIONS = 512;

const port = z.number({ error: 'must be a number' }).int('must be a whole number').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');

/** IPv4, IPv6 (incl. `::` for all) or a host name the machine resolves. */
const bindAddress = z
  .string()
  .min(1, 'is required')
  .max(255)
  .regex(/^[a-zA-Z0-9.:%_-]+$/, 'must be an IP address such as 127.0.0.1 or 0.0.0.0');

const PEM = /-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----/;

const userSchema = z
  .object({
    username: z
      .string()
      .min(1, 'is required')
      .max(128)
      .regex(/^[^\s]+$/, 'cannot contain spaces'),
    /** Omitted or SECRET_MASK keeps the stored password of the same user (on update). */
    password: z.string().min(1, 'is required').max(1024).optional(),
    /** As the API returns it; ignored (so a fetched interlay can be sent back as is). */
    has_password: z.boolean().optional(),
  })
  .strict();

export const authSchema = z
  .object({
    /** `requirepass`-style password for the default user; on update, omitted or SECRET_MASK keeps it, null removes it. */
    password: z.string().min(1, 'cannot be empty').max(1024).nullable().optional(),
    /** ACL-style users (`AUTH <username> <password>`). */
    users: z.array(userSchema).max(100).optional(),
    has_password: z.boolean().optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    a.users?.forEach((u, i) => {
      if (seen.has(u.username)) ctx.addIssue({ code: 'custom', path: ['users', i, 'username'], message: `"${u.username}" is listed twice` });
      seen.add(u.username);
    });
  });

export const tlsSchema = z
  .object({
    cert: z.string().max(64 * 1024).regex(PEM, 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)'),
    /** Omitted or SECRET_MASK keeps the stored key (on update). */
    key: z
      .string()
      .max(64 * 1024)
      .refine((k) => k === SECRET_MASK || PEM.test(k), 'must be a PEM private key (-----BEGIN PRIVATE KEY-----)')
      .optional(),
    has_key: z.boolean().optional(),
  })
  .strict();

/** Loopback addresses: the only binds where clients may be served without AUTH. */
export function isLoopback(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || bind === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bind);
}

/** A command name (`flushdb`), subcommand (`config|get`), container (`config`) or group. */
export const COMMAND_ALLOW_ENTRY = /^(@admin|@destructive|[a-z][a-z0-9_-]*(\|[a-z0-9_-]+)?)$/;

export const unauthenticatedSchema = z
  .object({
    /** Serving clients without AUTH hands them the endpoint's stored credentials. */
    acknowledged: z.literal(true, { error: 'must be true: clients that never AUTH will run with the endpoint\'s credentials' }),
    reason: z.string().trim().min(1, 'say why this interlay may serve clients without AUTH').max(500),
  })
  .strict();

/** Settings as sent by clients. On update, `auth: null` / `tls: null` / `allow_unauthenticated: null` remove them. */
export const settingsInputSchema = z
  .object({
    bind_address: bindAddress.optional(),
    max_concurrent_connections: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000).optional(),
    /** Seconds a client connection may stay idle; 0 = never closed. */
    idle_timeout_s: z.number().int('must be a whole number').min(0).max(7 * 24 * 3600).optional(),
    auth: authSchema.nullable().optional(),
    tls: tlsSchema.nullable().optional(),
    /** Clients may AUTH as users of the backend (the backend checks them); default true. */
    backend_auth: z.boolean().optional(),
    /** Opt-in: serve clients that never AUTH (loopback binds only), with an acknowledgement. */
    allow_unauthenticated: unauthenticatedSchema.nullable().optional(),
    /** Administrative/destructive commands this interlay forwards anyway. */
    command_allowlist: z
      .array(z.string().trim().toLowerCase().regex(COMMAND_ALLOW_ENTRY, 'use a command (flushdb), a subcommand (config|get), or @admin / @destructive'))
      .max(200)
      .optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.allow_unauthenticated && s.bind_address !== undefined && !isLoopback(s.bind_address)) {
      ctx.addIssue({ code: 'custom', path: ['allow_unauthenticated'], message: 'only for an interlay bound to a loopback address (127.0.0.1, ::1)' });
    }
  });

export const createInterlaySchema = z
  .object({
    id: interlayId,
    endpoint: endpointRef,
    port,
    settings: settingsInputSchema.default({}),
    /** Start it right after creating it. */
    start: z.boolean().default(false),
  })
  .strict();

export const updateInterlaySchema = z
  .object({
    endpoint: endpointRef.optional(),
    port: port.optional(),
    settings: settingsInputSchema.optional(),
  })
  .strict();

export const interlayParams = z.object({ id: interlayId });

export const stopInterlaySchema = z
  .object({
    /** How long to let in-flight client connections finish before closing them. */
    drain_timeout_ms: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

/**
 * PUT /interlays/{id}/routing. Fields left out keep their current value. Moves that serve
 * clients from a target that is not known to be in sync, and moving back out of `target`,
 * need `force: true` with a `reason` (409 otherwise).
 */
export const routingInputSchema = z
  .object({
    stage: z.enum(STAGES),
    policy: z.enum(WRITE_CONSISTENCY).optional(),
    /** The endpoint whose primary is the migration target; null removes it (only with stage `source`). */
    target: endpointRef.nullable().optional(),
    /** Mirror targets: endpoints that get every write too. */
    mirrors: z.array(endpointRef).max(8, 'at most 8 mirror targets').optional(),
    canary_percent: z.number().int('must be a whole number').min(0).max(100).optional(),
    shadow_sample_rate: z.number().min(0).max(1).optional(),
    force: z.boolean().optional(),
    reason: z.string().trim().max(500).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.force && !r.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'say why the move is forced' });
    if (r.mirrors && new Set(r.mirrors).size !== r.mirrors.length) ctx.addIssue({ code: 'custom', path: ['mirrors'], message: 'lists an endpoint twice' });
  });

export type RoutingInput = z.infer<typeof routingInputSchema>;

/** The routing as stored on the interlay row. */
export interface StoredRouting {
  stage: Stage;
  policy: WriteConsistency;
  target: string | null;
  mirrors: string[];
  canary_percent: number;
  shadow_sample_rate: number;
  /** When writes started to be mirrored to the current target (a copy must start after it to count). */
  mirroring_since: string | null;
  updated_at: string;
  updated_by: string;
  /** The last forced move, kept on the record. */
  forced: { reason: string; by: string; at: string; from: Stage; to: Stage } | null;
}

export interface RoutingView extends StoredRouting {
  /** Whether moves that serve from the target are allowed without force, and why not. */
  sync: { in_sync: boolean; reasons: string[]; copy_job: string | null };
}

export const DEFAULT_ROUTING: Readonly<StoredRouting> = Object.freeze({
  stage: 'source',
  policy: 'SourceAuthoritative',
  target: null,
  mirrors: [],
  canary_percent: 5,
  shadow_sample_rate: 0.1,
  mirroring_since: null,
  updated_at: new Date(0).toISOString(),
  updated_by: 'system',
  forced: null,
}) as StoredRouting;

export type SettingsInput = z.infer<typeof settingsInputSchema>;
export type CreateInterlayInput = z.infer<typeof createInterlaySchema>;
export type UpdateInterlayInput = z.infer<typeof updateInterlaySchema>;

/** Settings as stored (secrets sealed). */
export interface StoredSettings {
  bind_address: string;
  max_concurrent_connections: number;
  idle_timeout_s: number;
  auth?: { password?: string; users?: { username: string; password: string }[] };
  tls?: { cert: string; key: string };
  /** Absent means true. */
  backend_auth?: boolean;
  /** Present only when an operator acknowledged serving clients without AUTH. */
  allow_unauthenticated?: { reason: string; acknowledged_by: string; acknowledged_at: string };
  command_allowlist?: string[];
}

/** Settings as the engine takes them (secrets opened; see lib/interlay InterlaySettings). */
export interface EngineSettings {
  bind_address: string;
  max_concurrent_connections: number;
  idle_timeout_s: number;
  auth?: { password?: string; users?: { username: string; password: string }[] };
  tls?: { cert: string; key: string };
  backend_auth?: boolean;
  allow_unauthenticated?: boolean;
  command_allowlist?: string[];
}

/** Settings as the API returns them: secrets masked, with flags saying which are set. */
export interface SettingsView {
  bind_address: string;
  max_concurrent_connections: number;
  idle_timeout_s: number;
  auth?: { password?: string; has_password: boolean; users?: { username: string; password: string; has_password: boolean }[] };
  tls?: { cert: string; key: string; has_key: boolean };
  backend_auth: boolean;
  allow_unauthenticated: { reason: string; acknowledged_by: string; acknowledged_at: string } | null;
  command_allowlist: string[];
}

export type { InterlayMetrics, InterlayStatus };
export type DesiredState = 'started' | 'stopped';

export interface InterlayView {
  id: string;
  endpoint: string;
  port: number;
  settings: SettingsView;
  desired_state: DesiredState;
  status: InterlayStatus;
  error: string | null;
  /** The endpoint's settings changed while running and could not be applied yet. */
  needs_restart: boolean;
  connection_string: string;
  /** The user clients should AUTH as, when the interlay has ACL users. */
  auth_user: string | null;
  /** The backend's state while the interlay runs (a listening interlay may have its backend down); null when stopped. */
  backend_state: 'up' | 'down' | 'reconnecting' | null;
  /** Stage, policy, target and mirrors (the live migration path). */
  routing: StoredRouting;
  metrics: InterlayMetrics | null;
  created_at: string;
  updated_at: string;
}
