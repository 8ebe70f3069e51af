import { describe, expect, it } from 'vitest';
import { RespDecoder, type DecoderOptions } from './decoder';
import { runThreeWays, type Sink } from './test-helpers';
import {
  RespAttribute,
  RespBigNumber,
  RespDouble,
  RespError,
  RespMap,
  RespProtocolError,
  RespPush,
  RespSet,
  RespVerbatim,
  type RespValue,
} from './types';

const b = (s: string) => Buffer.from(s, 'latin1');

function decoderSink(opts?: DecoderOptions): Sink<RespValue, string> {
  const values: RespValue[] = [];
  const errors: string[] = [];
  const d = new RespDecoder((v) => values.push(v), (e) => {
    expect(e).toBeInstanceOf(RespProtocolError);
    errors.push(e.message);
  }, opts);
  return { values, errors, write: (c) => d.write(c) };
}

/** Asserts the three ways (whole, byte by byte, every split) all give the expected outcome. */
function expectDecodes(wire: string | Buffer, values: RespValue[], error?: string, opts?: DecoderOptions): void {
  const input = typeof wire === 'string' ? b(wire) : wire;
  for (const o of runThreeWays(input, () => decoderSink(opts))) {
    expect(o.values, o.how).toStrictEqual(values);
    expect(o.errors, o.how).toStrictEqual(error ? [error] : []);
  }
}

describe('RespDecoder: RESP2 values', () => {
  const cases: Array<[string, string, RespValue]> = [
    ['simple string', '+OK\r\n', 'OK'],
    ['empty simple string', '+\r\n', ''],
    ['utf-8 simple string', '+h\xc3\xa9\r\n', 'hé'],
    ['error', '-ERR unknown command\r\n', new RespError('ERR unknown command')],
    ['integer 0', ':0\r\n', 0],
    ['negative integer', ':-42\r\n', -42],
    ['plus-signed integer', ':+7\r\n', 7],
    ['15-digit integer', ':123456789012345\r\n', 123456789012345],
    ['safe 16-digit integer', ':9007199254740991\r\n', 9007199254740991],
    ['unsafe integer as bigint', ':9007199254740993\r\n', 9007199254740993n],
    ['int64 min as bigint', ':-9223372036854775808\r\n', -9223372036854775808n],
    ['bulk string', '$3\r\nfoo\r\n', b('foo')],
    ['empty bulk', '$0\r\n\r\n', b('')],
    ['binary bulk with CRLF inside', '$6\r\n\r\n\x00\xff\r\n\r\n', b('\r\n\x00\xff\r\n')],
    ['null bulk', '$-1\r\n', null],
    ['array', '*2\r\n$1\r\na\r\n:1\r\n', [b('a'), 1]],
    ['empty array', '*0\r\n', []],
    ['null array', '*-1\r\n', null],
    ['nested arrays with nulls', '*3\r\n*1\r\n$-1\r\n*0\r\n*2\r\n+a\r\n-E b\r\n', [[null], [], ['a', new RespError('E b')]]],
  ];
  for (const [name, wire, value] of cases) {
    it(name, () => expectDecodes(wire, [value]));
  }

  it('many replies in one stream (pipelined)', () => {
    expectDecodes('+OK\r\n:1\r\n$1\r\nx\r\n*1\r\n:2\r\n', ['OK', 1, b('x'), [2]]);
  });
});

describe('RespDecoder: RESP3 values', () => {
  const bigNum = '3492890328409238509324850943850943825024385';
  const cases: Array<[string, string, RespValue]> = [
    ['null', '_\r\n', null],
    ['double', ',1.5\r\n', new RespDouble(1.5)],
    ['negative double with exponent', ',-1.5e-3\r\n', new RespDouble(-0.0015)],
    ['integral double', ',10\r\n', new RespDouble(10)],
    ['inf', ',inf\r\n', new RespDouble(Infinity)],
    ['-inf', ',-inf\r\n', new RespDouble(-Infinity)],
    ['nan', ',nan\r\n', new RespDouble(NaN)],
    ['true', '#t\r\n', true],
    ['false', '#f\r\n', false],
    ['big number', `(${bigNum}\r\n`, new RespBigNumber(BigInt(bigNum))],
    ['negative big number', `(-${bigNum}\r\n`, new RespBigNumber(-BigInt(bigNum))],
    ['blob error', '!21\r\nSYNTAX invalid syntax\r\n', new RespError('SYNTAX invalid syntax', true)],
    ['verbatim', '=15\r\ntxt:Some string\r\n', new RespVerbatim('txt', b('Some string'))],
    ['empty verbatim', '=4\r\nmkd:\r\n', new RespVerbatim('mkd', b(''))],
    ['map', '%2\r\n+first\r\n:1\r\n$6\r\nsecond\r\n:2\r\n', new RespMap([['first', 1], [b('second'), 2]])],
    ['empty map', '%0\r\n', new RespMap([])],
    ['set', '~3\r\n+a\r\n:1\r\n#f\r\n', new RespSet(['a', 1, false])],
    ['push', '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n', new RespPush([b('message'), b('ch'), b('hi')])],
    ['map with aggregate keys and values', '%1\r\n*1\r\n:1\r\n~1\r\n_\r\n', new RespMap([[[1], new RespSet([null])]])],
    [
      'attribute before a reply (spec example)',
      '|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n',
      new RespAttribute(
        new RespMap([['key-popularity', new RespMap([[b('a'), new RespDouble(0.1923)], [b('b'), new RespDouble(0.0012)]])]]),
        [2039123, 9543892],
      ),
    ],
    [
      'attribute inside an array does not count as an element',
      '*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n',
      [1, 2, new RespAttribute(new RespMap([['ttl', 3600]]), 3)],
    ],
    ['empty attribute', '|0\r\n+OK\r\n', new RespAttribute(new RespMap([]), 'OK')],
    ['streamed string', '$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n', b('Hello word')],
    ['empty streamed string', '$?\r\n;0\r\n', b('')],
    ['streamed array', '*?\r\n:1\r\n$1\r\na\r\n.\r\n', [1, b('a')]],
    ['streamed map', '%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n', new RespMap([['a', 1], ['b', 2]])],
    ['streamed set inside array', '*2\r\n~?\r\n.\r\n:9\r\n', [new RespSet([]), 9]],
  ];
  for (const [name, wire, value] of cases) {
    it(name, () => expectDecodes(wire, [value]));
  }

  it("drops attributes with attributes: 'drop'", () => {
    expectDecodes('|1\r\n+a\r\n+b\r\n+OK\r\n*2\r\n|0\r\n:1\r\n:2\r\n', ['OK', [1, 2]], undefined, { attributes: 'drop' });
  });
});

describe('RespDecoder: protocol errors', () => {
  const cases: Array<[string, string, RespValue[], string]> = [
    ['unknown type byte', '+OK\r\n?x\r\n', ['OK'], "Protocol error: invalid type byte '?'"],
    ['empty line', '\r\n', [], 'Protocol error: empty line'],
    ['CR not followed by LF', '+OK\rX\r\n', [], 'Protocol error: expected CRLF'],
    ['bad bulk length', '$abc\r\n', [], 'Protocol error: invalid bulk length'],
    ['negative bulk length', '$-2\r\n', [], 'Protocol error: invalid bulk length'],
    ['empty bulk length', '$\r\n', [], 'Protocol error: invalid bulk length'],
    ['bulk without CRLF after body', '$3\r\nfooXY', [], 'Protocol error: expected CRLF after bulk string'],
    ['bad array length', '*x\r\n', [], 'Protocol error: invalid multibulk length'],
    ['null map', '%-1\r\n', [], 'Protocol error: invalid multibulk length'],
    ['bad integer', ':12a\r\n', [], 'Protocol error: invalid integer'],
    ['empty integer', ':\r\n', [], 'Protocol error: invalid integer'],
    ['bad big number', '(1x\r\n', [], 'Protocol error: invalid big number'],
    ['bad boolean', '#x\r\n', [], 'Protocol error: invalid boolean'],
    ['bad null', '_x\r\n', [], 'Protocol error: invalid null'],
    ['bad double characters', ',abc\r\n', [], 'Protocol error: invalid double'],
    ['bad double shape', ',1.2.3\r\n', [], 'Protocol error: invalid double'],
    ['stray stream end', '.\r\n', [], "Protocol error: unexpected '.'"],
    ['stream end in a counted array', '*2\r\n:1\r\n.\r\n', [], "Protocol error: unexpected '.'"],
    ['non-chunk in streamed string', '$?\r\n:1\r\n', [], "Protocol error: expected ';' in streamed string, got ':'"],
    ['verbatim shorter than its format', '=2\r\nab\r\n', [], 'Protocol error: invalid bulk length'],
    ['input after an error is ignored', '#x\r\n+OK\r\n', [], 'Protocol error: invalid boolean'],
  ];
  for (const [name, wire, values, error] of cases) {
    it(name, () => expectDecodes(wire, values, error));
  }
});

describe('RespDecoder: limits', () => {
  const limits: DecoderOptions = { maxBulkLength: 10, maxAggregateLength: 3, maxDepth: 4, maxLineLength: 16, maxFrameBytes: 64 };

  it('accepts values exactly at the limits', () => {
    expectDecodes('$10\r\n0123456789\r\n*3\r\n:1\r\n:2\r\n:3\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n+0123456789abcde\r\n', [
      b('0123456789'), [1, 2, 3], [[[[1]]]], '0123456789abcde',
    ], undefined, limits);
  });
  it('rejects a bulk over maxBulkLength before its body arrives', () => {
    expectDecodes('$11\r\n', [], 'Protocol error: invalid bulk length', limits);
  });
  it('rejects an aggregate over maxAggregateLength', () => {
    expectDecodes('*4\r\n', [], 'Protocol error: invalid multibulk length', limits);
    expectDecodes('%4\r\n', [], 'Protocol error: invalid multibulk length', limits);
  });
  it('rejects nesting deeper than maxDepth', () => {
    expectDecodes('*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n', [], 'Protocol error: nesting too deep', limits);
  });
  it('rejects a long line even before its CRLF arrives', () => {
    expectDecodes('+0123456789abcdefg', [], 'Protocol error: too big line', limits);
    expectDecodes('+0123456789abcdefg\r\n', [], 'Protocol error: too big line', limits);
  });
  it('rejects a streamed string whose total exceeds maxBulkLength', () => {
    expectDecodes('$?\r\n;6\r\n012345\r\n;6\r\n', [], 'Protocol error: invalid bulk length', limits);
  });
  it('rejects a frame over maxFrameBytes', () => {
    const wire = '*3\r\n' + '$10\r\n0123456789\r\n'.repeat(3); // 4 + 3 * 17 = 55 bytes: fits
    expectDecodes(wire, [[b('0123456789'), b('0123456789'), b('0123456789')]], undefined, limits);
    const sink = decoderSink({ ...limits, maxFrameBytes: 40 });
    sink.write(b(wire));
    expect(sink.errors).toEqual(['Protocol error: frame too big']);
  });
  it('never buffers more than the limits while a frame is incomplete', () => {
    const d = new RespDecoder(() => {}, () => {}, limits);
    d.write(b('*3\r\n$10\r\n01234'));
    expect(d.bufferedBytes).toBeLessThanOrEqual(64);
    d.write(b('+0123456789abcdef')); // still inside the bulk body: counted in the frame
    expect(d.failed).toBe(true);
    expect(d.bufferedBytes).toBe(0);
  });
});

describe('RespDecoder: big values and chunking', () => {
  it('decodes a 20 MB bulk string fed in 64 KB chunks with a single copy', () => {
    const body = Buffer.alloc(20 * 1024 * 1024, 7);
    const wire = Buffer.concat([b(`$${body.length}\r\n`), body, b('\r\n+after\r\n')]);
    const values: RespValue[] = [];
    const d = new RespDecoder((v) => values.push(v), (e) => { throw e; });
    for (let i = 0; i < wire.length; i += 65536) d.write(wire.subarray(i, i + 65536));
    expect(values).toHaveLength(2);
    expect((values[0] as Buffer).equals(body)).toBe(true);
    expect(values[1]).toBe('after');
  });

  it('returns bulk strings as views of a single-chunk frame (zero copy)', () => {
    const chunk = b('$3\r\nabc\r\n');
    let got: Buffer | undefined;
    new RespDecoder((v) => { got = v as Buffer; }, () => {}).write(chunk);
    expect(got!.buffer).toBe(chunk.buffer);
  });

  it('can be reset after an error', () => {
    const values: RespValue[] = [];
    const d = new RespDecoder((v) => values.push(v), () => {});
    d.write(b('?\r\n'));
    expect(d.failed).toBe(true);
    d.reset();
    d.write(b('+OK\r\n'));
    expect(values).toEqual(['OK']);
  });
});

describe("RespDecoder: mode 'request'", () => {
  it('decodes multibulk and inline commands to Buffer[]', () => {
    expectDecodes('*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\nSET "a b" \'c\'\r\n', [
      [b('GET'), b('k')], [b('PING')], [b('SET'), b('a b'), b('c')],
    ], undefined, { mode: 'request' });
  });
});
