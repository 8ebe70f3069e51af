/**
 * Settings handling that does not touch the database or the engine: merging an update into
 * the stored settings (masked or omitted secrets keep the stored ones), sealing and opening
 * secrets, masking for the API, and the connection string clients use.
 */
import tls from 'node:tls';
import { AppError, type FieldIssue } from '../errors';
import { SecretBox } from '../endpoints/secrets';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_MAX_CONNECTIONS,
  SECRET_MASK,
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
export function mergeSettings(input: SettingsInput, previous: StoredSettings | undefined, box: Sealer): StoredSettings {
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

  if (issues.length) throw new AppError('VALIDATION', `Invalid settings: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
  if (out.tls) checkTlsPair(out.tls.cert, box.open(out.tls.key));
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

/** The stored settings with secrets opened, for the engine. */
export function openSettings(s: StoredSettings, box: Sealer): StoredSettings {
  const open = (v: string) => (SecretBox.isSealed(v) ? box.open(v) : v);
  return {
    ...s,
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
