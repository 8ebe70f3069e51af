import { describe, expect, it } from 'vitest';
import { encodeCommand } from './encode';
import { RequestFramer, type RespCommand } from './request';
import { runThreeWays, viaSharedBuffer, type Sink } from './test-helpers';
import type { RespLimits } from './types';

const b = (s: string) => Buffer.from(s, 'latin1');

interface Got {
  args: string[];
  raw: string;
  inline: boolean;
}

function framerSink(limits?: Partial<RespLimits>): Sink<Got, string> {
  const values: Got[] = [];
  const errors: string[] = [];
  const f = new RequestFramer(
    (cmd) => values.push({ args: cmd.args().map((a) => a.toString('latin1')), raw: cmd.raw.toString('latin1'), inline: cmd.inline }),
    (e) => errors.push(e.message),
    limits,
  );
  return { values, errors, write: viaSharedBuffer((buf, s, e) => f.write(buf, s, e)) };
}

const mb = (...args: string[]): Got => ({ args, raw: encodeCommand(args.map(b)).toString('latin1'), inline: false });
const il = (...args: string[]): Got => ({ ...mb(...args), inline: true });

function expectFrames(wire: string, commands: Got[], error?: string, limits?: Partial<RespLimits>): void {
  for (const o of runThreeWays(b(wire), () => framerSink(limits))) {
    expect(o.values, o.how).toStrictEqual(commands);
    expect(o.errors, o.how).toStrictEqual(error ? [error] : []);
  }
}

describe('RequestFramer: framing', () => {
  it('frames one multibulk command with its original bytes', () => {
    expectFrames('*1\r\n$4\r\nPING\r\n', [mb('PING')]);
  });
  it('frames pipelined commands', () => {
    expectFrames('*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$0\r\n\r\n', [
      mb('SET', 'a', 'b'), mb('GET', 'a'), mb(''),
    ]);
  });
  it('keeps binary arguments (CRLF and NUL inside)', () => {
    expectFrames('*2\r\n$3\r\nGET\r\n$4\r\n\r\n\x00\xff\r\n', [mb('GET', '\r\n\x00\xff')]);
  });
  it('skips *0 and *-1 like Redis', () => {
    expectFrames('*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n', [mb('PING')]);
  });
  it('converts inline commands to multibulk', () => {
    expectFrames('PING\r\nSET a b\nGET  a  \r\n', [il('PING'), il('SET', 'a', 'b'), il('GET', 'a')]);
  });
  it('parses inline quoting like redis (double quotes with escapes, single quotes)', () => {
    expectFrames(`SET "a b\\x41\\n\\"" 'c \\'d\\' \\n'\r\n`, [il('SET', 'a bA\n"', "c 'd' \\n")]);
  });
  it('skips empty inline lines and mixes inline with multibulk', () => {
    expectFrames('\r\n\n  \r\nPING\r\n*1\r\n$4\r\nQUIT\r\n', [il('PING'), mb('QUIT')]);
  });
});

describe('RequestFramer: protocol errors (Redis messages)', () => {
  const cases: Array<[string, string, Got[], string, Partial<RespLimits>?]> = [
    ['bad multibulk length', '*abc\r\n', [], 'Protocol error: invalid multibulk length'],
    ['too many arguments', '*5\r\n', [], 'Protocol error: invalid multibulk length', { maxAggregateLength: 4 }],
    ['not a bulk argument', '*1\r\n+foo\r\n', [], "Protocol error: expected '$', got '+'"],
    ['null bulk argument', '*1\r\n$-1\r\n', [], 'Protocol error: invalid bulk length'],
    ['bulk over the limit', '*1\r\n$11\r\n', [], 'Protocol error: invalid bulk length', { maxBulkLength: 10 }],
    ['missing CRLF after a bulk', '*1\r\n$3\r\nfooXX', [], 'Protocol error: expected CRLF after bulk argument'],
    ['unbalanced double quote', 'PING\r\nSET "a\r\n', [il('PING')], 'Protocol error: unbalanced quotes in request'],
    ['closing quote not followed by space', 'SET "a"b\r\n', [], 'Protocol error: unbalanced quotes in request'],
    ['unbalanced single quote', "SET 'a\r\n", [], 'Protocol error: unbalanced quotes in request'],
    ['inline request over the limit', 'SET aaaaaaaaaaaaaaaaaaaa', [], 'Protocol error: too big inline request', { maxInlineLength: 16 }],
    ['mbulk count string over the limit', '*11111111111111111111', [], 'Protocol error: too big mbulk count string', { maxInlineLength: 16 }],
    ['bulk count string over the limit', '*1\r\n$11111111111111111111', [], 'Protocol error: too big bulk count string', { maxInlineLength: 16 }],
    ['command over maxFrameBytes', '*2\r\n$3\r\nabc\r\n$3\r\nabc\r\n', [], 'Protocol error: command too big', { maxFrameBytes: 20 }],
  ];
  for (const [name, wire, cmds, error, limits] of cases) {
    it(name, () => expectFrames(wire, cmds, error, limits));
  }
});

describe('RequestFramer: accessors and hot path', () => {
  it('gives cheap argument accessors on a reused command object', () => {
    const seen: RespCommand[] = [];
    let checks = 0;
    const f = new RequestFramer((cmd) => {
      expect(cmd.argc).toBe(3);
      expect(cmd.name()).toBe('client');
      expect(cmd.argEquals(0, 'client')).toBe(true);
      expect(cmd.argEquals(1, 'setname')).toBe(true);
      expect(cmd.argEquals(1, 'setnam')).toBe(false);
      expect(cmd.argEquals(9, 'x')).toBe(false);
      expect(cmd.argString(2)).toBe('né');
      expect(cmd.argLength(2)).toBe(3);
      expect(() => cmd.arg(3)).toThrow(RangeError);
      seen.push(cmd.snapshot());
      checks++;
    }, (e) => { throw e; });
    f.write(Buffer.concat([encodeCommand(['CLIENT', 'SetName', 'né']), encodeCommand(['client', 'SETNAME', 'né'])]));
    expect(checks).toBe(2);
    expect(seen[0].argString(1)).toBe('SetName');
    expect(seen[1].argString(1)).toBe('SETNAME');
  });

  it('emits views of the chunk when a command sits in one chunk (no copy)', () => {
    const chunk = Buffer.concat([encodeCommand(['GET', 'a']), encodeCommand(['GET', 'b'])]);
    const raws: Buffer[] = [];
    new RequestFramer((cmd) => raws.push(cmd.raw), () => {}).write(chunk);
    expect(raws.map((r) => r.buffer === chunk.buffer)).toEqual([true, true]);
    expect(Buffer.concat(raws).equals(chunk)).toBe(true);
  });

  it('frames a 10 MB argument split over 64 KB chunks', () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const wire = Buffer.concat([encodeCommand(['SET', 'k', big]), encodeCommand(['PING'])]);
    const got: RespCommand[] = [];
    const f = new RequestFramer((c) => got.push(c.snapshot()), (e) => { throw e; });
    for (let i = 0; i < wire.length; i += 65536) f.write(wire.subarray(i, i + 65536));
    expect(got).toHaveLength(2);
    expect(got[0].arg(2).equals(big)).toBe(true);
    expect(Buffer.concat([got[0].raw, got[1].raw]).equals(wire)).toBe(true);
    expect(f.bufferedBytes).toBe(0);
  });

  it('handles many arguments (offset table grows)', () => {
    const args = Array.from({ length: 5000 }, (_, i) => `a${i}`);
    const got: string[][] = [];
    new RequestFramer((c) => got.push(c.args().map(String)), (e) => { throw e; }).write(encodeCommand(['DEL', ...args]));
    expect(got[0]).toEqual(['DEL', ...args]);
  });

  it('frames 100k pipelined GETs fed in 64 KB chunks, whole ones in place and split ones joined', () => {
    const one = encodeCommand(['GET', 'key:000001']);
    const wire = Buffer.concat(Array.from({ length: 100_000 }, () => one));
    let n = 0;
    let inPlace = 0;
    let current: Buffer | null = null;
    const f = new RequestFramer((c) => {
      if (c.argEquals(0, 'get') && c.argString(1) === 'key:000001' && c.raw.equals(one)) n++;
      if (c.buf === current) inPlace++;
    }, (e) => { throw e; });
    for (let i = 0; i < wire.length; i += 65536) f.write((current = wire.subarray(i, i + 65536)));
    expect(n).toBe(100_000);
    // Only the commands that straddle a chunk boundary are copied together.
    let straddling = 0;
    for (let at = 65536; at < wire.length; at += 65536) if (at % one.length !== 0) straddling++;
    expect(inPlace).toBe(100_000 - straddling);
    expect(f.bufferedBytes).toBe(0);
  });

  it('hands a whole command over as a range of the chunk, without a copy', () => {
    const chunk = Buffer.concat([encodeCommand(['SET', 'k', 'v']), encodeCommand(['GET', 'k'])]);
    const seen: { buf: Buffer; start: number; end: number; args: string[] }[] = [];
    new RequestFramer((c) => seen.push({ buf: c.buf, start: c.start, end: c.end, args: c.args().map(String) }), (e) => { throw e; }).write(chunk);
    const first = encodeCommand(['SET', 'k', 'v']).length;
    expect(seen).toEqual([
      { buf: chunk, start: 0, end: first, args: ['SET', 'k', 'v'] },
      { buf: chunk, start: first, end: chunk.length, args: ['GET', 'k'] },
    ]);
    expect(seen[0].buf).toBe(chunk);
  });
});
