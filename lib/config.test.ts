import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe('127.0.0.1');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.COOKIE_SECURE).toBe('auto');
    expect(c.RESTORE_INTERLAYS).toBe(true);
  });

  it('parses values and treats empty strings as unset', () => {
    const c = loadConfig({ PORT: '8080', DATA_DIR: '/tmp/x', DATABASE_URL: '', COOKIE_SECURE: 'true', RESTORE_INTERLAYS: 'false', SECRET_KEY: 'ab'.repeat(32) });
    expect(c.PORT).toBe(8080);
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.COOKIE_SECURE).toBe(true);
    expect(c.RESTORE_INTERLAYS).toBe(false);
  });

  it('parses body limits with units, the proxy switch and allowed origins', () => {
    const d = loadConfig({});
    expect([d.MAX_BODY_SIZE, d.MAX_AUTH_BODY_SIZE, d.TRUST_PROXY, d.ALLOWED_ORIGINS]).toEqual([10 * 1024 * 1024, 16 * 1024, false, []]);
    const c = loadConfig({ MAX_BODY_SIZE: '2MB', MAX_AUTH_BODY_SIZE: '4096', TRUST_PROXY: 'true', ALLOWED_ORIGINS: 'https://console.example.com/, http://10.0.0.5:3000' });
    expect([c.MAX_BODY_SIZE, c.MAX_AUTH_BODY_SIZE, c.TRUST_PROXY]).toEqual([2 * 1024 * 1024, 4096, true]);
    expect(c.ALLOWED_ORIGINS).toEqual(['https://console.example.com', 'http://10.0.0.5:3000']);
    expect(() => loadConfig({ MAX_BODY_SIZE: 'lots' })).toThrow(/MAX_BODY_SIZE/);
    expect(() => loadConfig({ MAX_AUTH_BODY_SIZE: '10' })).toThrow(/MAX_AUTH_BODY_SIZE: must be at least 1kb/);
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'evil' })).toThrow(/ALLOWED_ORIGINS/);
  });

  it('lists every bad variable by name', () => {
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', ADMIN_PASSWORD: 'short', SECRET_KEY: 'nope', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'ADMIN_PASSWORD', 'SECRET_KEY', 'LOG_LEVEL']) expect(msg).toContain(name);
    }
  });
});
