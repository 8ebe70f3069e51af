import { describe, expect, it } from 'vitest';
import { replyHash } from './reply-hash';

const h = (s: string) => {
  const b = Buffer.from(s, 'latin1');
  return replyHash(b, 0, b.length);
};

describe('replyHash', () => {
  it('gives a reply the same hash in RESP2 and RESP3', () => {
    expect(h(',1.5\r\n')).toBe(h('$3\r\n1.5\r\n')); // ZINCRBY
    expect(h('_\r\n')).toBe(h('$-1\r\n'));
    expect(h('*-1\r\n')).toBe(h('$-1\r\n'));
    expect(h('#t\r\n')).toBe(h(':1\r\n'));
    expect(h('#f\r\n')).toBe(h(':0\r\n'));
    expect(h('(12345678901234567890\r\n')).toBe(h('$20\r\n12345678901234567890\r\n'));
    expect(h('=7\r\ntxt:abc\r\n')).toBe(h('$3\r\nabc\r\n'));
    expect(h('!5\r\nERR x\r\n')).toBe(h('-ERR x\r\n'));
    // A map is a flat array in RESP2; ZPOPMIN's pairs are nested only in RESP3.
    expect(h('%1\r\n$1\r\nf\r\n:1\r\n')).toBe(h('*2\r\n$1\r\nf\r\n:1\r\n'));
    expect(h('*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n')).toBe(h('*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n'));
    expect(h('~2\r\n$1\r\na\r\n$1\r\nb\r\n')).toBe(h('*2\r\n$1\r\na\r\n$1\r\nb\r\n'));
    // Attributes annotate a reply; they are not part of it.
    expect(h('|1\r\n+key-popularity\r\n%0\r\n:7\r\n')).toBe(h(':7\r\n'));
  });

  it('tells different values apart', () => {
    expect(h(',1.5\r\n')).not.toBe(h('$3\r\n2.5\r\n'));
    expect(h(':1\r\n')).not.toBe(h(':0\r\n'));
    expect(h('+OK\r\n')).not.toBe(h('-ERR\r\n'));
    expect(h('$-1\r\n')).not.toBe(h('$0\r\n\r\n'));
    expect(h('*2\r\n$1\r\na\r\n$1\r\nb\r\n')).not.toBe(h('*2\r\n$1\r\nb\r\n$1\r\na\r\n'));
  });

  it('hashes a range of a larger buffer and survives a truncated reply', () => {
    const b = Buffer.from('xx,1.5\r\nyy');
    expect(replyHash(b, 2, 8)).toBe(h('$3\r\n1.5\r\n'));
    expect(() => h('*2\r\n$1\r\na\r\n')).not.toThrow();
  });
});
