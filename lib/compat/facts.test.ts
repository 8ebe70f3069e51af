import { describe, expect, it } from 'vitest';
import { prefixOf } from './analysis';
import { displayKey, maxRdbVersion, parseMemory, parseVersion, rdbAcceptance, rdbVersionOfDump } from './facts';

describe('compat facts', () => {
  it('reads the RDB version from a DUMP trailer (2 bytes LE before the 8-byte CRC64)', () => {
    // DUMP of SET k v on Redis 7.0: type 0, "v", RDB 10, CRC.
    const payload = Buffer.concat([Buffer.from([0x00, 0x01, 0x76]), Buffer.from([0x0a, 0x00]), Buffer.alloc(8, 0xab)]);
    expect(rdbVersionOfDump(payload)).toBe(10);
    expect(rdbVersionOfDump(Buffer.alloc(5))).toBeNull();
  });

  it('maps releases to their RDB versions', () => {
    const v = (s: string) => parseVersion(s);
    expect(maxRdbVersion('redis', v('4.0.14'))).toBe(8);
    expect(maxRdbVersion('redis', v('5.0.7'))).toBe(9);
    expect(maxRdbVersion('redis', v('6.2.14'))).toBe(9);
    expect(maxRdbVersion('redis', v('7.0.15'))).toBe(10);
    expect(maxRdbVersion('redis', v('7.2.4'))).toBe(11);
    expect(maxRdbVersion('redis', v('7.4.1'))).toBe(12);
    expect(maxRdbVersion('redis', v('8.0.2'))).toBe(12);
    expect(maxRdbVersion('valkey', v('8.0.1'))).toBe(11);
    expect(maxRdbVersion('valkey', v('9.0.0'))).toBe(80);
    expect(maxRdbVersion('dragonfly', v('1.2.0'))).toBeNull();
    expect(rdbAcceptance(11, 'valkey', 80)).toBe('yes');
    expect(rdbAcceptance(12, 'valkey', 80)).toBe('relaxed-only');
    expect(rdbAcceptance(12, 'valkey', 11)).toBe('relaxed-only');
    expect(rdbAcceptance(10, 'redis', 9)).toBe('no');
  });

  it('parses memory sizes and shows binary keys readably', () => {
    expect(parseMemory('512mb')).toBe(512 * 1024 * 1024);
    expect(parseMemory('536870912')).toBe(536870912);
    expect(displayKey(Buffer.from('user:1'))).toBe('user:1');
    expect(displayKey(Buffer.from([0x61, 0x00, 0xff]))).toBe('a\\x00\\xff');
    expect(prefixOf('user:1:name')).toBe('user:*');
    expect(prefixOf('plain')).toBe('(no prefix)');
    expect(prefixOf('a/b')).toBe('a/*');
  });
});
