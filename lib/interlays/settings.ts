/**
 * Settings handling that does not touch the database or the engine: merging an update into
 * the stored settings (masked or omitted secrets keep the stored ones), sealing and opening
 * secrets, masking for the API, and the connection string clients use.
 */
import tls from 'node:tls';
import { commandTable } from '../commands';
import { AppError, type FieldIssue } from '../errors';
import { SecretBox } from '../endpoints/secrets';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_MAX_CONNECTIONS,
  isLoopback,
  SECRET_MASK,
  type EngineSettings,
  type SettingsInput,
  type SettingsView,
  type StoredSettings,
} from './schema';

interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
}

const keep = (v: string | null | undefined): boolean => v === undefined || v === SECRET_MASK;

/**
 * Applies `input` over `previous` (undefined on create). Top-level keys given replace the
 * stored ones; `auth: null` / `tls: null` remove them. New secrets are sealed; a secret
 * omitted or sent as the mask keeps the stored ciphertext. Throws VALIDATION with field
 * paths under `settings.` when a secret is needed and none is stored.
 */
export function mergeSettings(input: SettingsInput, previous: StoredSettings | undefined, box: Sealer, actor = 'system'): StoredSettings {
  const issues: FieldIssue[] = [];
  const out: StoredSettings = {
    bind_address: input.bind_address ?? previous?.bind_address ?? DEFAULT_BIND_ADDRESS,
    max_concurrent_connections: input.max_concurrent_connections ?? previous?.max_concurrent_connections ?? DEFAULT_MAX_CONNECTIONS,
    idle_timeout_s: input.idle_timeout_s ?? previous?.idle_timeout_s ?? 0,
  };

  if (input.auth === undefined) {
    if (previous?.auth) out.auth = previous.auth;
  } else if (input.auth !== null) {
    const prev = previous?.auth;
    const auth: NonNullable<StoredSettings['auth']> = {};
    const pw = input.auth.password as string | null | undefined;
    if (pw === null) {
      // removed
    } else if (keep(pw)) {
      if (prev?.password) auth.password = prev.password;
      else if (pw === SECRET_MASK) issues.push({ path: 'settings.auth.password', message: 'no password is stored; type a new one' });
    } else {
      auth.password = box.seal(pw!);
    }
    if (input.auth.users) {
      const prevUsers = new Map((prev?.users ?? []).map((u) => [u.username, u.password]));
      auth.users = [];
      input.auth.users.forEach((u, i) => {
        if (keep(u.password)) {
          const stored = prevUsers.get(u.username);
          if (stored) auth.users!.push({ username: u.username, password: stored });
          else issues.push({ path: `settings.auth.users.${i}.password`, message: 'is required for a new user' });
        } else {
          auth.users!.push({ username: u.username, password: box.seal(u.password!) });
        }
      });
      if (auth.users.length === 0) delete auth.users;
    } else if (prev?.users && input.auth.users === undefined) {
      auth.users = prev.users;
    }
    if (auth.password !== undefined || auth.users) out.auth = auth;
  }

  if (input.tls === undefined) {
    if (previous?.tls) out.tls = previous.tls;
  } else if (input.tls !== null) {
    if (keep(input.tls.key)) {
      if (previous?.tls?.key) out.tls = { cert: input.tls.cert, key: previous.tls.key };
      else issues.push({ path: 'settings.tls.key', message: 'is required with a certificate' });
    } else {
      out.tls = { cert: input.tls.cert, key: box.seal(input.tls.key!) };
    }
  }

  const backendAuth = input.backend_auth ?? previous?.backend_auth;
  if (backendAuth === false) out.backend_auth = false;
  if (input.allow_unauthenticated === undefined) {
    if (previous?.allow_unauthenticated) out.allow_unauthenticated = previous.allow_unauthenticated;
  } else if (input.allow_unauthenticated !== null) {
    const kept = previous?.allow_unauthenticated;
    out.allow_unauthenticated =
      kept && kept.reason === input.allow_unauthenticated.reason
        ? kept
        : { reason: input.allow_unauthenticated.reason, acknowledged_by: actor, acknowledged_at: new Date().toISOString() };
  }
  const allow = input.command_allowlist ?? previous?.command_allowlist;
  if (allow && allow.length > 0) out.command_allowlist = [...new Set(allow)];
  issues.push(...securityIssues(out));

  if (issues.length) throw new AppError('VALIDATION', `Invalid settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  if (out.tls) checkTlsPair(out.tls.cert, box.open(out.tls.key));
  return out;
}

/**
 * The rules that keep an interlay from handing its backend to whoever reaches its port:
 * clients without AUTH only on a loopback bind (and only acknowledged), and some way for
 * clients to authenticate when they must; allowlist entries must name real commands.
 */
function securityIssues(s: StoredSettings): FieldIssue[] {
  const out: FieldIssue[] = [];
  if (s.allow_unauthenticated && !isLoopback(s.bind_address)) {
    out.push({ path: 'settings.allow_unauthenticated', message: `only for an interlay bound to a loopback address, not ${s.bind_address}` });
  }
  const localUsers = s.auth?.password !== undefined || (s.auth?.users?.length ?? 0) > 0;
  if (!s.allow_unauthenticated && s.backend_auth === false && !localUsers) {
    out.push({ path: 'settings.backend_auth', message: 'clients could not authenticate at all: add interlay users or let backend users authenticate' });
  }
  (s.command_allowlist ?? []).forEach((entry, i) => {
    if (entry.startsWith('@')) return;
    const [name, sub] = entry.split('|');
    const info = commandTable.lookup(name);
    const known = info !== undefined && (sub === undefined || commandTable.classify([name, sub]).known);
    if (!known) out.push({ path: `settings.command_allowlist.${i}`, message: `"${entry}" is not a Redis command` });
  });
  return out;
}

/** Node loads the pair now so a wrong key shows on the form, not when the listener starts. */
function checkTlsPair(cert: string, key: string): void {
  try {
    tls.createSecureContext({ cert, key });
  } catch (e) {
    const msg = (e as Error).message;
    const path = /key values mismatch|private key/i.test(msg) && !/certificate/i.test(msg) ? 'settings.tls.key' : 'settings.tls.cert';
    throw new AppError('VALIDATION', `The TLS certificate and key cannot be used: ${msg}`, { issues: [{ path, message: `cannot be loaded: ${msg}` }] });
  }
}

/** The stored settings with secrets opened, as the engine takes them. */
export function openSettings(s: StoredSettings, box: Sealer): EngineSettings {
  const open = (v: string) => (SecretBox.isSealed(v) ? box.open(v) : v);
  const { allow_unauthenticated, ...rest } = s;
  return {
    ...rest,
    allow_unauthenticated: allow_unauthenticated !== undefined,
    backend_auth: s.backend_auth !== false,
    command_allowlist: s.command_allowlist ?? [],
    ...(s.auth
      ? {
          auth: {
            ...(s.auth.password !== undefined ? { password: open(s.auth.password) } : {}),
            ...(s.auth.users ? { users: s.auth.users.map((u) => ({ username: u.username, password: open(u.password) })) } : {}),
          },
        }
      : {}),
    ...(s.tls ? { tls: { cert: s.tls.cert, key: open(s.tls.key) } } : {}),
  };
}

export function maskSettings(s: StoredSettings): SettingsView {
  return {
    bind_address: s.bind_address,
    max_concurrent_connections: s.max_concurrent_connections,
    idle_timeout_s: s.idle_timeout_s,
    ...(s.auth
      ? {
          auth: {
            ...(s.auth.password !== undefined ? { password: SECRET_MASK } : {}),
            has_password: s.auth.password !== undefined,
            ...(s.auth.users ? { users: s.auth.users.map((u) => ({ username: u.username, password: SECRET_MASK, has_password: true })) } : {}),
          },
        }
      : {}),
    ...(s.tls ? { tls: { cert: s.tls.cert, key: SECRET_MASK, has_key: true } } : {}),
    backend_auth: s.backend_auth !== false,
    allow_unauthenticated: s.allow_unauthenticated ?? null,
    command_allowlist: s.command_allowlist ?? [],
  };
}

/** Which settings need a new listener (so the interlay must be stopped to change them). */
export function listenerChanges(before: StoredSettings, after: StoredSettings): string[] {
  const out: string[] = [];
  if (before.bind_address !== after.bind_address) out.push('settings.bind_address');
  // Sealed values are compared as stored: a kept key keeps its ciphertext, a new one differs.
  if (JSON.stringify(before.tls ?? null) !== JSON.stringify(after.tls ?? null)) out.push('settings.tls');
  return out;
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]', '']);

/**
 * `redis://host:port/` (rediss:// with TLS) as a client on another machine would use it: a
 * wildcard bind is replaced by the console's host. The ACL user, when there is one, goes in
 * the user part; passwords never do.
 */
export function connectionString(s: StoredSettings, port: number, consoleHost: string): { url: string; user: string | null } {
  let host = WILDCARD.has(s.bind_address) ? consoleHost : s.bind_address;
  if (WILDCARD.has(host)) host = 'localhost';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const user = s.auth?.users?.[0]?.username ?? null;
  const userPart = user ? `${encodeURIComponent(user)}@` : '';
  return { url: `${s.tls ? 'rediss' : 'redis'}://${userPart}${host}:${port}/`, user };
}
