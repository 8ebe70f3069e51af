import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { SecretBox } from '../endpoints/secrets';
import { isAppError } from '../errors';
import { SECRET_MASK, createInterlaySchema } from './schema';
import { connectionString, listenerChanges, maskSettings, mergeSettings, openSettings } from './settings';

const box = new SecretBox(crypto.randomBytes(32));

function selfSigned(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', 'k.pem', '-out', 'c.pem'], { cwd: dir, stdio: 'pipe' });
  const out = { cert: fs.readFileSync(path.join(dir, 'c.pem'), 'utf8'), key: fs.readFileSync(path.join(dir, 'k.pem'), 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

describe('mergeSettings', () => {
  it('applies defaults and seals secrets', () => {
    const s = mergeSettings({ auth: { password: 'pw', users: [{ username: 'app', password: 'secret' }] } }, undefined, box);
    expect(s.bind_address).toBe('127.0.0.1');
    expect(s.max_concurrent_connections).toBe(512);
    expect(s.idle_timeout_s).toBe(0);
    expect(SecretBox.isSealed(s.auth!.password)).toBe(true);
    expect(SecretBox.isSealed(s.auth!.users![0]!.password)).toBe(true);
    expect(JSON.stringify(s)).not.toContain('secret"');
    const opened = openSettings(s, box);
    expect(opened.auth).toEqual({ password: 'pw', users: [{ username: 'app', password: 'secret' }] });
  });

  it('keeps stored secrets when the mask or nothing is sent, removes with null', () => {
    const first = mergeSettings({ auth: { password: 'pw', users: [{ username: 'app', password: 'secret' }] } }, undefined, box);
    const masked = maskSettings(first);
    expect(masked.auth).toEqual({ password: SECRET_MASK, has_password: true, users: [{ username: 'app', password: SECRET_MASK, has_password: true }] });
    const again = mergeSettings({ auth: { password: SECRET_MASK, users: [{ username: 'app', password: SECRET_MASK }] }, max_concurrent_connections: 5 }, first, box);
    expect(again.auth).toEqual(first.auth);
    expect(again.max_concurrent_connections).toBe(5);
    expect(mergeSettings({ idle_timeout_s: 3 }, first, box).auth).toEqual(first.auth);
    expect(mergeSettings({ auth: { password: null, users: [{ username: 'app' }] } }, first, box).auth).toEqual({ users: first.auth!.users });
    expect(mergeSettings({ auth: null }, first, box).auth).toBeUndefined();
  });

  it('names the field when a new user has no password', () => {
    try {
      mergeSettings({ auth: { users: [{ username: 'new', password: SECRET_MASK }] } }, undefined, box);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.extra.issues).toEqual([{ path: 'settings.auth.users.0.password', message: 'is required for a new user' }]);
    }
  });

  it('checks a TLS pair and keeps the key when masked', () => {
    const pair = selfSigned();
    const s = mergeSettings({ tls: pair }, undefined, box);
    expect(SecretBox.isSealed(s.tls!.key)).toBe(true);
    expect(maskSettings(s).tls).toEqual({ cert: pair.cert, key: SECRET_MASK, has_key: true });
    const kept = mergeSettings({ tls: { cert: pair.cert, key: SECRET_MASK } }, s, box);
    expect(kept.tls).toEqual(s.tls);
    expect(listenerChanges(s, kept)).toEqual([]);
    const other = selfSigned();
    try {
      mergeSettings({ tls: { cert: pair.cert, key: other.key } }, undefined, box);
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e) && e.extra.issues?.[0]?.path).toMatch(/^settings\.tls\./);
    }
    expect(() => mergeSettings({ tls: { cert: pair.cert } }, undefined, box)).toThrow(/settings\.tls\.key/);
  });

  it('reports the settings that need a new listener', () => {
    const a = mergeSettings({}, undefined, box);
    expect(listenerChanges(a, mergeSettings({ bind_address: '0.0.0.0', max_concurrent_connections: 3 }, a, box))).toEqual(['settings.bind_address']);
  });
});

describe('connectionString', () => {
  it('uses the bind address, the console host for wildcards, rediss with TLS and the ACL user', () => {
    const base = { bind_address: '127.0.0.1', max_concurrent_connections: 1, idle_timeout_s: 0 };
    expect(connectionString(base, 6200, 'console.local').url).toBe('redis://127.0.0.1:6200/');
    expect(connectionString({ ...base, bind_address: '0.0.0.0' }, 6200, 'console.local').url).toBe('redis://console.local:6200/');
    expect(connectionString({ ...base, bind_address: '::' }, 6200, '0.0.0.0').url).toBe('redis://localhost:6200/');
    expect(connectionString({ ...base, bind_address: '::1' }, 1, 'x').url).toBe('redis://[::1]:1/');
    const c = connectionString({ ...base, tls: { cert: 'c', key: 'k' }, auth: { users: [{ username: 'app', password: 'x' }] } }, 6201, 'h');
    expect(c).toEqual({ url: 'rediss://app@127.0.0.1:6201/', user: 'app' });
  });
});

describe('createInterlaySchema', () => {
  it('gives field paths for bad input', () => {
    const r = createInterlaySchema.safeParse({ id: '-bad', endpoint: 'e', port: 70000, settings: { max_concurrent_connections: 0, auth: { users: [{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }] } } });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['id', 'port', 'settings.max_concurrent_connections', 'settings.auth.users.1.username']));
  });
});
