/**
 * The endpoint form's model and its mapping to and from the API's `config`.
 *
 * Form field paths mirror the API's (`read_conn.port` ↔ `config.read_conn.port`), so a
 * server 400 issue lands on the right input through `applyServerErrors`. Both shapes
 * live in the form at once; `shape` decides which one is sent (a mix is what the API
 * refuses). Stored passwords come back masked: an empty password field with
 * `has_password` sends the mask, which tells the server to keep the stored one.
 */
import { ENDPOINT_NAME, PASSWORD_MASK } from '@/lib/endpoints/schema';
import type { EndpointView, WireConn, WireCredentials, WireEndpointConfig } from './types';

export type ConfigShape = 'conns' | 'target';
type Num = number | string; // Mantine NumberInput gives '' when empty.

export interface ConnValues {
  host: string;
  port: Num;
  tls: boolean;
  protocol_version: '2' | '3';
  username: string;
  password: string;
  has_password: boolean;
  db: Num;
}

export interface CredentialValues {
  username: string;
  password: string;
  has_password: boolean;
}

export interface EndpointFormValues {
  endpoint: string;
  description: string;
  shape: ConfigShape;
  read_conn: ConnValues;
  write_conn: ConnValues;
  use_admin_conn: boolean;
  admin_conn: ConnValues;
  target: Omit<ConnValues, 'username' | 'password' | 'has_password'>;
  read_credentials: CredentialValues;
  write_credentials: CredentialValues;
  admin_credentials: CredentialValues;
  connection_pool: { multiplexed_connections: Num };
  use_tls_options: boolean;
  tls_options: { ca: string; server_name: string; skip_verify: boolean };
  connect_timeout_ms: Num;
  command_timeout_ms: Num;
  /** "Advanced: edit as JSON": the config as text, sent as-is when `json_mode`. */
  json_mode: boolean;
  config_json: string;
}

const emptyConn = (): ConnValues => ({ host: '', port: '', tls: false, protocol_version: '2', username: '', password: '', has_password: false, db: '' });
const emptyCreds = (): CredentialValues => ({ username: '', password: '', has_password: false });

export function emptyEndpointForm(): EndpointFormValues {
  return {
    endpoint: '',
    description: '',
    shape: 'conns',
    read_conn: emptyConn(),
    write_conn: emptyConn(),
    use_admin_conn: false,
    admin_conn: emptyConn(),
    target: { host: '', port: '', tls: false, protocol_version: '2', db: '' },
    read_credentials: emptyCreds(),
    write_credentials: emptyCreds(),
    admin_credentials: emptyCreds(),
    connection_pool: { multiplexed_connections: 1 },
    use_tls_options: false,
    tls_options: { ca: '', server_name: '', skip_verify: false },
    connect_timeout_ms: '',
    command_timeout_ms: '',
    json_mode: false,
    config_json: '',
  };
}

const numOr = (v: unknown): Num => (typeof v === 'number' ? v : '');

function connFromWire(c: WireConn | undefined): ConnValues {
  if (!c) return emptyConn();
  return {
    host: c.host ?? '',
    port: numOr(c.port),
    tls: !!c.tls,
    protocol_version: c.protocol_version === 3 ? '3' : '2',
    username: c.username ?? '',
    password: '',
    has_password: !!c.has_password || c.password === PASSWORD_MASK,
    db: numOr(c.db),
  };
}

function credsFromWire(c: WireCredentials | undefined): CredentialValues {
  if (!c) return emptyCreds();
  return { username: c.username ?? '', password: '', has_password: !!c.has_password || c.password === PASSWORD_MASK };
}

/** Form values for a config (an existing endpoint's, or one typed as JSON). */
export function configToForm(cfg: WireEndpointConfig, base: EndpointFormValues = emptyEndpointForm()): EndpointFormValues {
  const v: EndpointFormValues = { ...base };
  if ('target' in cfg) {
    v.shape = 'target';
    v.target = {
      host: cfg.target.host ?? '',
      port: numOr(cfg.target.port),
      tls: !!cfg.target.tls,
      protocol_version: cfg.target.protocol_version === 3 ? '3' : '2',
      db: numOr(cfg.target.db),
    };
    v.read_credentials = credsFromWire(cfg.read_credentials);
    v.write_credentials = credsFromWire(cfg.write_credentials);
    v.admin_credentials = credsFromWire(cfg.admin_credentials);
  } else {
    v.shape = 'conns';
    v.read_conn = connFromWire(cfg.read_conn);
    v.write_conn = connFromWire(cfg.write_conn);
    v.use_admin_conn = !!cfg.admin_conn;
    v.admin_conn = connFromWire(cfg.admin_conn);
  }
  v.connection_pool = { multiplexed_connections: cfg.connection_pool?.multiplexed_connections ?? 1 };
  const t = cfg.tls_options;
  v.use_tls_options = !!t && (!!t.ca || !!t.server_name || !!t.skip_verify);
  v.tls_options = { ca: t?.ca ?? '', server_name: t?.server_name ?? '', skip_verify: !!t?.skip_verify };
  v.connect_timeout_ms = numOr(cfg.connect_timeout_ms);
  v.command_timeout_ms = numOr(cfg.command_timeout_ms);
  return v;
}

export function endpointToForm(e: EndpointView): EndpointFormValues {
  return { ...configToForm(e.config), endpoint: e.endpoint, description: e.description ?? '' };
}

const isNum = (v: Num): v is number => typeof v === 'number' && Number.isFinite(v);

/** A password field: typed → that; empty with a stored one → the mask (keep); else nothing. */
function password(p: string, hasStored: boolean): string | undefined {
  if (p !== '') return p;
  return hasStored ? PASSWORD_MASK : undefined;
}

function connToWire(c: ConnValues): WireConn {
  const out: WireConn = { host: c.host.trim() };
  if (isNum(c.port)) out.port = c.port;
  out.tls = c.tls;
  out.protocol_version = c.protocol_version === '3' ? 3 : 2;
  if (c.username.trim()) out.username = c.username.trim();
  const pw = password(c.password, c.has_password);
  if (pw !== undefined) out.password = pw;
  if (isNum(c.db)) out.db = c.db;
  return out;
}

function credsToWire(c: CredentialValues): WireCredentials | undefined {
  const out: WireCredentials = {};
  if (c.username.trim()) out.username = c.username.trim();
  const pw = password(c.password, c.has_password);
  if (pw !== undefined) out.password = pw;
  return Object.keys(out).length ? out : undefined;
}

/** The API `config` for the chosen shape (ignores the JSON text). */
export function formToConfig(v: EndpointFormValues): WireEndpointConfig {
  const common: Record<string, unknown> = {};
  if (isNum(v.connection_pool.multiplexed_connections)) common.connection_pool = { multiplexed_connections: v.connection_pool.multiplexed_connections };
  if (v.use_tls_options) {
    const t: Record<string, unknown> = { skip_verify: v.tls_options.skip_verify };
    if (v.tls_options.ca.trim()) t.ca = v.tls_options.ca.trim() + '\n';
    if (v.tls_options.server_name.trim()) t.server_name = v.tls_options.server_name.trim();
    common.tls_options = t;
  }
  if (isNum(v.connect_timeout_ms)) common.connect_timeout_ms = v.connect_timeout_ms;
  if (isNum(v.command_timeout_ms)) common.command_timeout_ms = v.command_timeout_ms;

  if (v.shape === 'target') {
    const target: Record<string, unknown> = { host: v.target.host.trim(), tls: v.target.tls, protocol_version: v.target.protocol_version === '3' ? 3 : 2 };
    if (isNum(v.target.port)) target.port = v.target.port;
    if (isNum(v.target.db)) target.db = v.target.db;
    const cfg: Record<string, unknown> = { target };
    for (const role of ['read', 'write', 'admin'] as const) {
      const c = credsToWire(v[`${role}_credentials`]);
      if (c) cfg[`${role}_credentials`] = c;
    }
    return { ...cfg, ...common } as unknown as WireEndpointConfig;
  }
  const cfg: Record<string, unknown> = { read_conn: connToWire(v.read_conn), write_conn: connToWire(v.write_conn) };
  if (v.use_admin_conn) cfg.admin_conn = connToWire(v.admin_conn);
  return { ...cfg, ...common } as unknown as WireEndpointConfig;
}

/** The config to send: the JSON text in JSON mode (already validated), else the fields. */
export function submittedConfig(v: EndpointFormValues): unknown {
  return v.json_mode ? JSON.parse(v.config_json) : formToConfig(v);
}

const portRule = (p: Num) => (p === '' ? null : isNum(p) && Number.isInteger(p) && p >= 1 && p <= 65535 ? null : 'Port must be 1-65535');
const dbRule = (d: Num) => (d === '' ? null : isNum(d) && Number.isInteger(d) && d >= 0 && d <= 10_000 ? null : 'Database must be 0-10000');
const hostRule = (h: string) => (h.trim() ? null : 'Host is required');
const rangeRule = (min: number, max: number, what: string) => (n: Num) =>
  n === '' ? null : isNum(n) && Number.isInteger(n) && n >= min && n <= max ? null : `${what} must be ${min}-${max}`;

/** Client-side checks mirroring the server's schema (the server stays the authority). */
export function validateEndpointForm(v: EndpointFormValues, mode: 'create' | 'edit'): Record<string, string> {
  const errors: Record<string, string> = {};
  const set = (path: string, msg: string | null) => {
    if (msg) errors[path] = msg;
  };
  if (mode === 'create') set('endpoint', ENDPOINT_NAME.test(v.endpoint) ? null : 'Use 1-63 letters, digits, "_", "." or "-", starting with a letter or digit');
  if (v.description.length > 2000) set('description', 'At most 2000 characters');
  if (v.json_mode) {
    try {
      const parsed: unknown = JSON.parse(v.config_json);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) set('config_json', 'The config must be a JSON object');
    } catch (e) {
      set('config_json', `Not valid JSON: ${(e as Error).message}`);
    }
    return errors;
  }
  const conns: [string, ConnValues][] =
    v.shape === 'conns'
      ? [
          ['read_conn', v.read_conn],
          ['write_conn', v.write_conn],
          ...(v.use_admin_conn ? ([['admin_conn', v.admin_conn]] as [string, ConnValues][]) : []),
        ]
      : [];
  for (const [p, c] of conns) {
    set(`${p}.host`, hostRule(c.host));
    set(`${p}.port`, portRule(c.port));
    set(`${p}.db`, dbRule(c.db));
  }
  if (v.shape === 'target') {
    set('target.host', hostRule(v.target.host));
    set('target.port', portRule(v.target.port));
    set('target.db', dbRule(v.target.db));
  }
  set('connection_pool.multiplexed_connections', v.connection_pool.multiplexed_connections === '' ? 'Pool size is required' : rangeRule(1, 64, 'Pool size')(v.connection_pool.multiplexed_connections));
  set('connect_timeout_ms', rangeRule(100, 60_000, 'Connect timeout')(v.connect_timeout_ms));
  set('command_timeout_ms', rangeRule(100, 600_000, 'Command timeout')(v.command_timeout_ms));
  if (v.use_tls_options && v.tls_options.ca.trim() && !v.tls_options.ca.includes('-----BEGIN CERTIFICATE-----')) {
    set('tls_options.ca', 'Paste the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)');
  }
  return errors;
}

/** "host:port" of a role in a stored config, with the API's default ports. */
export function roleAddresses(cfg: WireEndpointConfig): { role: 'read' | 'write' | 'admin'; address: string; tls: boolean; username?: string }[] {
  const addr = (host: string, port: number | undefined, tls: boolean | undefined) => `${host}:${port ?? (tls ? 6380 : 6379)}`;
  if ('target' in cfg) {
    const t = cfg.target;
    const roles = (['read', 'write', 'admin'] as const).filter((r) => r !== 'admin' || cfg.admin_credentials);
    return roles.map((role) => ({ role, address: addr(t.host, t.port, t.tls), tls: !!t.tls, username: cfg[`${role}_credentials`]?.username }));
  }
  const out = [
    { role: 'read' as const, c: cfg.read_conn },
    { role: 'write' as const, c: cfg.write_conn },
    { role: 'admin' as const, c: cfg.admin_conn },
  ];
  return out.filter((x) => x.c).map(({ role, c }) => ({ role, address: addr(c!.host, c!.port, c!.tls), tls: !!c!.tls, username: c!.username }));
}
