/**
 * Wire types of the console API as the browser sees them (JSON, dates as ISO strings).
 * Server-side types are imported with `import type` only, so no server code reaches the
 * browser bundle.
 */
import type { Permission, Role } from '@/lib/auth/roles';
import type { PublicToken, PublicUser } from '@/lib/auth/service';
import type { RoleCheck as ServerRoleCheck } from '@/lib/endpoints/check';
import type { ConnRole } from '@/lib/endpoints/schema';
import type { CheckReport as ServerCheckReport } from '@/lib/endpoints/service';
import type { ResourceKind } from '@/lib/events';
import type { JsonValue } from '@/lib/resp/json';

export type { Permission, Role, ResourceKind, ConnRole };
export type RoleCheck = ServerRoleCheck;
export type User = PublicUser;
export type ApiToken = PublicToken;
export type CheckReport = ServerCheckReport;

export interface Me {
  user: User;
  via: 'session' | 'token' | 'system';
  permissions: Permission[];
}

export interface CreatedToken extends ApiToken {
  /** The secret; the API returns it once, on creation. */
  token: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string | null;
  details: unknown;
  ip: string | null;
}

export interface WireConn {
  host: string;
  port?: number;
  tls?: boolean;
  protocol_version?: 2 | 3;
  username?: string;
  password?: string;
  has_password?: boolean;
  db?: number;
}

export interface WireCredentials {
  username?: string;
  password?: string;
  has_password?: boolean;
}

export interface WireTarget {
  host: string;
  port?: number;
  tls?: boolean;
  protocol_version?: 2 | 3;
  db?: number;
}

export interface WireCommon {
  connection_pool?: { multiplexed_connections: number };
  tls_options?: { ca?: string; server_name?: string; skip_verify?: boolean };
  connect_timeout_ms?: number;
  command_timeout_ms?: number;
}

export interface WireConnsConfig extends WireCommon {
  read_conn: WireConn;
  write_conn: WireConn;
  admin_conn?: WireConn;
}

export interface WireTargetConfig extends WireCommon {
  target: WireTarget;
  read_credentials?: WireCredentials;
  write_credentials?: WireCredentials;
  admin_credentials?: WireCredentials;
}

export type WireEndpointConfig = WireConnsConfig | WireTargetConfig;

export interface EndpointView {
  endpoint: string;
  kind: string;
  description: string;
  config: WireEndpointConfig;
  created_at: string;
  updated_at: string;
  version: number;
  last_check: CheckReport | null;
  used_by: { type: string; id: string }[];
}

/** An argument of a direct call: text, a number, or binary as base64. */
export type CommandArg = string | number | { $base64: string };

/** RESP mapped to JSON (see lib/resp/json.ts for the table). */
export type RespJson = JsonValue;

export interface DirectCallReply {
  reply: RespJson;
  duration_ms: number;
}

export interface DirectCallReplies {
  replies: RespJson[];
  duration_ms: number;
}
