import { describe, expect, it } from 'vitest';
import { encodeCommands } from '../resp/encode';
import { encodeKeyCommands, encodeRestores, keyCommand } from './encode';
import { globMatch } from './glob';

const keys = [Buffer.from('a'), Buffer.alloc(0), Buffer.from([0, 0x0d, 0x0a, 0xff]), Buffer.alloc(1000, 'k')];

describe('copy encoders', () => {
  it('encodeKeyCommands matches the generic encoder', () => {
    const cmds = [keyCommand(['MEMORY', 'USAGE']), keyCommand(['DUMP']), keyCommand(['OBJECT', 'ENCODING'], ['X'])];
    const expected = encodeCommands(keys.flatMap((k) => [['MEMORY', 'USAGE', k], ['DUMP', k], ['OBJECT', 'ENCODING', k, 'X']]));
    expect(encodeKeyCommands(cmds, keys).equals(expected)).toBe(true);
  });

  it('encodeRestores matches the generic encoder and skips expired / missing payloads', () => {
    const payloads = [Buffer.from('p1'), Buffer.alloc(0), null, Buffer.alloc(70_000, 1)];
    const ttls = [0, 9, 1234567890123, -1];
    for (const replace of [true, false]) {
      const { bytes, count } = encodeRestores(keys, payloads, ttls, replace);
      const tail = replace ? ['REPLACE'] : [];
      const expected = encodeCommands([
        ['RESTORE', keys[0], 0, payloads[0]!, ...tail],
        ['RESTORE', keys[1], 9, payloads[1]!, ...tail],
      ]);
      expect(count).toBe(2);
      expect(bytes.equals(expected)).toBe(true);
    }
  });
});

describe('globMatch (Redis stringmatchlen rules)', () => {
  const m = (p: string, s: string) => globMatch(Buffer.from(p), Buffer.from(s));
  it('handles *, ?, classes, ranges, negation and escapes', () => {
    expect(m('user:*', 'user:1')).toBe(true);
    expect(m('user:*', 'order:1')).toBe(false);
    expect(m('*', '')).toBe(true);
    expect(m('a*', '')).toBe(false);
    expect(m('h?llo', 'hello')).toBe(true);
    expect(m('h?llo', 'hllo')).toBe(false);
    expect(m('h[ae]llo', 'hallo')).toBe(true);
    expect(m('h[^e]llo', 'hello')).toBe(false);
    expect(m('h[a-b]llo', 'hbllo')).toBe(true);
    expect(m('h[b-a]llo', 'hallo')).toBe(true);
    expect(m('a\\*b', 'a*b')).toBe(true);
    expect(m('a\\*b', 'axb')).toBe(false);
    expect(m('*x*y*', 'aaxbbyc')).toBe(true);
    expect(m('*x*y*', 'aaybbxc')).toBe(false);
  });
  it('is byte-wise on binary keys', () => {
    expect(globMatch(Buffer.from([0xff, 0x2a]), Buffer.from([0xff, 0x00, 0x01]))).toBe(true);
    expect(globMatch(Buffer.from('?'), Buffer.from([0x80]))).toBe(true);
  });
});
