import { describe, expect, it } from 'vitest';
import { RespDecoder } from './decoder';
import { downgradeReplyFrame, encodeCommand, encodeCommands, encodeReply } from './encode';
import {
  RespAttribute,
  RespBigNumber,
  RespDouble,
  RespError,
  RespMap,
  RespPush,
  RespSet,
  RespVerbatim,
  type RespValue,
} from './types';

const b = (s: string) => Buffer.from(s, 'latin1');
const s = (buf: Buffer) => buf.toString('latin1');

function decodeOne(wire: Buffer): RespValue {
  const out: RespValue[] = [];
  const d = new RespDecoder((v) => out.push(v), (e) => { throw e; });
  d.write(wire);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('encodeCommand', () => {
  it('encodes strings (UTF-8), Buffers and numbers as bulk strings', () => {
    expect(s(encodeCommand(['SET', 'clé', b('\x00\r\n'), 42, -1.5]))).toBe(
      '*5\r\n$3\r\nSET\r\n$4\r\ncl\xc3\xa9\r\n$3\r\n\x00\r\n\r\n$2\r\n42\r\n$4\r\n-1.5\r\n',
    );
    expect(s(encodeCommand([]))).toBe('*0\r\n');
    expect(s(encodeCommand(['x'.repeat(12)]))).toBe(`*1\r\n$12\r\n${'x'.repeat(12)}\r\n`);
  });
  it('encodes a pipeline into one buffer', () => {
    expect(s(encodeCommands([['GET', 'a'], ['PING']]))).toBe('*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n');
  });
  it('rejects non-arguments', () => {
    expect(() => encodeCommand([{} as unknown as string])).toThrow(TypeError);
  });
});

describe('encodeReply', () => {
  const cases: Array<[string, RespValue, string, string]> = [
    ['simple string', 'OK', '+OK\r\n', '+OK\r\n'],
    ['simple string with CRLF is made line-safe', 'a\r\nb', '+a  b\r\n', '+a  b\r\n'],
    ['bulk', b('a\r\n'), '$3\r\na\r\n\r\n', '$3\r\na\r\n\r\n'],
    ['integer', -5, ':-5\r\n', ':-5\r\n'],
    ['bigint in int64', 2n ** 62n, `:${2n ** 62n}\r\n`, `:${2n ** 62n}\r\n`],
    ['bigint beyond int64', 2n ** 70n, `(${2n ** 70n}\r\n`, `$22\r\n${2n ** 70n}\r\n`],
    ['non-integer number becomes a double', 0.5, ',0.5\r\n', '$3\r\n0.5\r\n'],
    ['null', null, '_\r\n', '$-1\r\n'],
    ['true', true, '#t\r\n', ':1\r\n'],
    ['false', false, '#f\r\n', ':0\r\n'],
    ['error', new RespError('ERR bad'), '-ERR bad\r\n', '-ERR bad\r\n'],
    ['blob error', new RespError('ERR a\r\nb', true), '!8\r\nERR a\r\nb\r\n', '-ERR a  b\r\n'],
    ['double', new RespDouble(1.25), ',1.25\r\n', '$4\r\n1.25\r\n'],
    ['inf', new RespDouble(Infinity), ',inf\r\n', '$3\r\ninf\r\n'],
    ['-inf', new RespDouble(-Infinity), ',-inf\r\n', '$4\r\n-inf\r\n'],
    ['nan', new RespDouble(NaN), ',nan\r\n', '$3\r\nnan\r\n'],
    ['-0', new RespDouble(-0), ',-0\r\n', '$2\r\n-0\r\n'],
    ['big number', new RespBigNumber(-(10n ** 30n)), `(-${10n ** 30n}\r\n`, `$32\r\n-${10n ** 30n}\r\n`],
    ['verbatim', new RespVerbatim('txt', b('hi')), '=6\r\ntxt:hi\r\n', '$2\r\nhi\r\n'],
    ['array', [1, [b('x')], null], '*3\r\n:1\r\n*1\r\n$1\r\nx\r\n_\r\n', '*3\r\n:1\r\n*1\r\n$1\r\nx\r\n$-1\r\n'],
    ['map', new RespMap([['a', 1], [b('b'), true]]), '%2\r\n+a\r\n:1\r\n$1\r\nb\r\n#t\r\n', '*4\r\n+a\r\n:1\r\n$1\r\nb\r\n:1\r\n'],
    ['set', new RespSet([1, 2]), '~2\r\n:1\r\n:2\r\n', '*2\r\n:1\r\n:2\r\n'],
    ['push', new RespPush(['message', b('c')]), '>2\r\n+message\r\n$1\r\nc\r\n', '*2\r\n+message\r\n$1\r\nc\r\n'],
    ['attribute', new RespAttribute(new RespMap([['t', 1]]), 'OK'), '|1\r\n+t\r\n:1\r\n+OK\r\n', '+OK\r\n'],
  ];
  for (const [name, value, r3, r2] of cases) {
    it(`${name}: RESP3 and RESP2`, () => {
      expect(s(encodeReply(value, 3))).toBe(r3);
      expect(s(encodeReply(value, 2))).toBe(r2);
    });
  }

  it("top-level null as a RESP2 null array with nullAs: 'array'", () => {
    expect(s(encodeReply(null, 2, { nullAs: 'array' }))).toBe('*-1\r\n');
    expect(s(encodeReply(null, 3, { nullAs: 'array' }))).toBe('_\r\n');
    expect(s(encodeReply([null], 2, { nullAs: 'array' }))).toBe('*1\r\n$-1\r\n');
  });

  it('RESP3 encodings decode back to the same values', () => {
    for (const [, value] of cases) {
      if (typeof value === 'string' && /[\r\n]/.test(value)) continue;
      if (value instanceof RespError && /[\r\n]/.test(value.message) && !value.blob) continue;
      const expected = typeof value === 'number' && !Number.isInteger(value) ? new RespDouble(value) : value;
      const back = decodeOne(encodeReply(value, 3));
      if (typeof expected === 'bigint' && expected > 2n ** 63n) expect(back).toStrictEqual(new RespBigNumber(expected));
      else expect(back).toStrictEqual(expected);
    }
  });
});

describe('downgradeReplyFrame', () => {
  it('converts RESP3 frames to RESP2 and passes RESP2 scalars through untouched', () => {
    const plain = b('$3\r\nabc\r\n');
    expect(downgradeReplyFrame(plain)).toBe(plain);
    expect(s(downgradeReplyFrame(b('%1\r\n$1\r\nk\r\n,1.5\r\n')))).toBe('*2\r\n$1\r\nk\r\n$3\r\n1.5\r\n');
    expect(s(downgradeReplyFrame(b('_\r\n'), { nullAs: 'array' }))).toBe('*-1\r\n');
    expect(s(downgradeReplyFrame(b('$?\r\n;1\r\na\r\n;0\r\n')))).toBe('$1\r\na\r\n');
    expect(s(downgradeReplyFrame(b('|1\r\n+a\r\n+b\r\n~1\r\n#f\r\n')))).toBe('*1\r\n:0\r\n');
  });
});
