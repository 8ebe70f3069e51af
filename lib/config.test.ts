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
