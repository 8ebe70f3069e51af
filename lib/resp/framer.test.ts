import { describe, expect, it } from 'vitest';
import { ReplyFramer, frameViews } from './framer';
import { runThreeWays, viaSharedBuffer, type Sink } from './test-helpers';
import { RespType, isErrorType, type RespLimits } from './types';

const b = (s: string) => Buffer.from(s, 'latin1');

interface Frame {
  raw: string;
  type: string;
}

function sink(limits?: Partial<RespLimits>): Sink<Frame, string> {
  const values: Frame[] = [];
  const errors: string[] = [];
  const f = new ReplyFramer(frameViews((raw, type) => values.push({ raw: raw.toString('latin1'), type: String.fromCharCode(type) })), (e) => errors.push(e.message), limits);
  return { values, errors, write: viaSharedBuffer((buf, s, e) => f.write(buf, s, e)) };
}

function expectFrames(frames: Array<[string, string]>, error?: string, tail = '', limits?: Partial<RespLimits>): void {
  const wire = b(frames.map(([raw]) => raw).join('') + tail);
  for (const o of runThreeWays(wire, () => sink(limits))) {
    expect(o.values, o.how).toStrictEqual(frames.map(([raw, type]) => ({ raw, type })));
    expect(o.errors, o.how).toStrictEqual(error ? [error] : []);
  }
}

describe('ReplyFramer', () => {
  it('finds the boundaries of every RESP2 and RESP3 type, with the top-level type byte', () => {
    expectFrames([
      ['+OK\r\n', '+'],
      ['-ERR x\r\n', '-'],
      [':12\r\n', ':'],
      ['$3\r\nf\r\n\r\n', '$'],
      ['$-1\r\n', '$'],
      ['*-1\r\n', '*'],
      ['*2\r\n*1\r\n:1\r\n%1\r\n+a\r\n~1\r\n_\r\n', '*'],
      ['_\r\n', '_'],
      [',1.5\r\n', ','],
      ['#t\r\n', '#'],
      ['(123\r\n', '('],
      ['!3\r\nERR\r\n', '!'],
      ['=7\r\ntxt:a\r\n\r\n', '='],
      ['%0\r\n', '%'],
      ['>2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n', '>'],
      ['$?\r\n;2\r\nab\r\n;0\r\n', '$'],
      ['*?\r\n:1\r\n*?\r\n.\r\n.\r\n', '*'],
    ]);
  });

  it('keeps an attribute in the same frame as the value it annotates, typed by that value', () => {
    expectFrames([
      ['|1\r\n+ttl\r\n:3600\r\n-ERR after attribute\r\n', '-'],
      ['*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n', '*'],
      ['|1\r\n+a\r\n+b\r\n|0\r\n>1\r\n+x\r\n', '>'],
    ]);
  });

  it('reports push and error frames through the type byte', () => {
    expect(isErrorType(RespType.Error)).toBe(true);
    expect(isErrorType(RespType.BlobError)).toBe(true);
    expect(isErrorType(RespType.Push)).toBe(false);
  });

  it('emits frames before a protocol error, then stops', () => {
    expectFrames([['+OK\r\n', '+']], "Protocol error: invalid type byte 'x'", 'x\r\n+OK\r\n');
    expectFrames([], 'Protocol error: nesting too deep', '*1\r\n*1\r\n*1\r\n', { maxDepth: 2 });
    expectFrames([], 'Protocol error: expected CRLF after bulk string', '$1\r\nab\r\n');
  });

  it('emits single-chunk frames as views and concatenates split ones once', () => {
    const chunk = b('+a\r\n+b\r\n$5\r\nhel');
    const raws: Buffer[] = [];
    const f = new ReplyFramer(frameViews((raw) => raws.push(raw)), () => {});
    f.write(chunk);
    expect(raws.map((r) => r.buffer === chunk.buffer)).toEqual([true, true]);
    expect(f.bufferedBytes).toBe(7);
    f.write(b('lo\r\n'));
    expect(raws[2].toString()).toBe('$5\r\nhello\r\n');
    expect(f.bufferedBytes).toBe(0);
  });

  it('frames 100k pipelined replies fed in 64 KB chunks', () => {
    const one = b('$10\r\nvalue:0001\r\n');
    const wire = Buffer.concat(Array.from({ length: 100_000 }, () => one));
    let n = 0;
    const f = new ReplyFramer(() => { n++; }, (e) => { throw e; });
    for (let i = 0; i < wire.length; i += 65536) f.write(wire.subarray(i, i + 65536));
    expect(n).toBe(100_000);
    expect(f.bufferedBytes).toBe(0);
  });

  describe('trusted (a Redis server as the peer)', () => {
    function trustedSink(limits?: Partial<RespLimits>): Sink<Frame | { oversize: number; type: string }, string> {
      const values: (Frame | { oversize: number; type: string })[] = [];
      const errors: string[] = [];
      const f = new ReplyFramer(
        frameViews((raw, type) => values.push({ raw: raw.toString('latin1'), type: String.fromCharCode(type) })),
        (e) => errors.push(e.message),
        limits,
        { trusted: true, onOversize: (type, bytes) => values.push({ oversize: bytes, type: String.fromCharCode(type) }) },
      );
      return { values, errors, write: viaSharedBuffer((buf, s, e) => f.write(buf, s, e)) };
    }

    it('frames what Redis legitimately sends: a script table nested 700 deep, odd big numbers and doubles', () => {
      // Redis's "Script return recursive object": *1 nested until the Lua stack limit, then an error.
      const deep = '*1\r\n'.repeat(700) + '-ERR reached lua stack limit\r\n';
      const odd = '(123  123\r\n,-nan\r\n#x\r\n_nil\r\n:12a\r\n';
      const wire = b(deep + odd + '+OK\r\n');
      for (const o of runThreeWays(wire, () => trustedSink({ maxDepth: 2 }))) {
        expect(o.errors, o.how).toEqual([]);
        expect(o.values.map((v) => ('raw' in v ? v.raw.length : -1)), o.how).toEqual([deep.length, 11, 7, 4, 6, 6, 5]);
      }
    });

    it('drops a reply larger than maxFrameBytes, reports its size once, and frames the next replies', () => {
      const big = `*3\r\n$40\r\n${'x'.repeat(40)}\r\n:1\r\n$30\r\n${'y'.repeat(30)}\r\n`;
      const wire = b(`+before\r\n${big}$5\r\nhello\r\n`);
      for (const o of runThreeWays(wire, () => trustedSink({ maxFrameBytes: 50 }))) {
        expect(o.errors, o.how).toEqual([]);
        expect(o.values, o.how).toEqual([
          { raw: '+before\r\n', type: '+' },
          { oversize: big.length, type: '*' },
          { raw: '$5\r\nhello\r\n', type: '$' },
        ]);
      }
    });

    it('still stops at broken framing (no CRLF after a bulk, an unknown type byte)', () => {
      for (const o of runThreeWays(b('+ok\r\n$1\r\nab\r\n'), () => trustedSink())) {
        expect(o.errors, o.how).toEqual(['Protocol error: expected CRLF after bulk string']);
      }
      for (const o of runThreeWays(b('x\r\n'), () => trustedSink())) {
        expect(o.errors, o.how).toEqual(["Protocol error: invalid type byte 'x'"]);
      }
    });
  });
});
