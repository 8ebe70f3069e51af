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
});
