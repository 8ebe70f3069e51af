/**
 * Property tests with a seeded PRNG (a failing seed is printed in the assertion message).
 * 1. Round trip: random valid values -> encodeReply -> decoder at random chunk splits -> same values.
 * 2. Framers agree with the encoder on frame boundaries (fed as ranges of a reused buffer).
 * 3. Garbage and mutated input never throws out of write, always terminates, and the
 *    bytes held back never exceed the configured limits.
 */
import { describe, expect, it } from 'vitest';
import { RespDecoder } from './decoder';
import { encodeCommands, encodeReply } from './encode';
import { ReplyFramer, frameViews } from './framer';
import { RequestFramer } from './request';
import { prng, randomChunks, viaSharedBuffer } from './test-helpers';
import {
  RespAttribute,
  RespBigNumber,
  RespDouble,
  RespError,
  RespMap,
  RespPush,
  RespSet,
  RespVerbatim,
  type RespLimits,
  type RespValue,
} from './types';

type Rnd = () => number;
const int = (r: Rnd, n: number) => Math.floor(r() * n);

function randBytes(r: Rnd, max: number): Buffer {
  const buf = Buffer.alloc(int(r, max + 1));
  // Bias towards CR, LF and RESP type bytes, which are what breaks parsers.
  const special = [13, 10, 0x24, 0x2a, 0x3a, 0x2b, 0x2d, 0x3f, 0x3b, 0x2e, 0];
  for (let i = 0; i < buf.length; i++) buf[i] = r() < 0.3 ? special[int(r, special.length)] : int(r, 256);
  return buf;
}

function randLine(r: Rnd): string {
  const chars = 'abcXYZ 0123456789-_:é';
  let s = '';
  const n = int(r, 12);
  for (let i = 0; i < n; i++) s += chars[int(r, chars.length)];
  return s;
}

function randDouble(r: Rnd): number {
  const pick = int(r, 8);
  if (pick === 0) return Infinity;
  if (pick === 1) return -Infinity;
  if (pick === 2) return NaN;
  if (pick === 3) return -0;
  if (pick === 4) return (r() - 0.5) * 1e300;
  return (r() - 0.5) * 10 ** int(r, 20);
}

function randValue(r: Rnd, depth: number, resp3: boolean): RespValue {
  const scalarKinds = resp3 ? 14 : 6;
  const k = depth <= 0 ? int(r, scalarKinds) : int(r, scalarKinds + (resp3 ? 5 : 1));
  switch (k) {
    case 0: return randLine(r);
    case 1: return new RespError('ERR ' + randLine(r));
    case 2: return int(r, 2) ? int(r, 1000) - 500 : Math.floor((r() - 0.5) * Number.MAX_SAFE_INTEGER);
    case 3: return randBytes(r, 40);
    case 4: return null;
    case 5: return BigInt.asIntN(64, BigInt(Math.floor(r() * 2 ** 53)) * 4096n + 9007199254740993n);
    case 6: return new RespDouble(randDouble(r));
    case 7: return r() < 0.5;
    case 8: return new RespBigNumber(BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * 10n ** 25n);
    case 9: return new RespError('ERR ' + randLine(r) + '\r\n' + randLine(r), true);
    case 10: return new RespVerbatim(int(r, 2) ? 'txt' : 'mkd', randBytes(r, 30));
    case 11: return int(r, 5);
    case 12: return Buffer.alloc(0);
    case 13: return randLine(r);
    case 14: return new RespMap(Array.from({ length: int(r, 4) }, () => [randValue(r, depth - 1, resp3), randValue(r, depth - 1, resp3)] as [RespValue, RespValue]));
    case 15: return new RespSet(Array.from({ length: int(r, 4) }, () => randValue(r, depth - 1, resp3)));
    case 16: return new RespPush(Array.from({ length: 1 + int(r, 3) }, () => randValue(r, depth - 1, resp3)));
    case 17: return new RespAttribute(new RespMap([[randLine(r), randValue(r, depth - 1, resp3)]]), randValue(r, depth - 1, resp3));
    default: return Array.from({ length: int(r, 5) }, () => randValue(r, depth - 1, resp3));
  }
}

/** What RESP2 can express of a value (what the decoder returns for encodeReply(v, 2)). */
function decodeAll(wire: Buffer, r: Rnd, limits?: Partial<RespLimits>): { values: RespValue[]; errors: string[] } {
  const values: RespValue[] = [];
  const errors: string[] = [];
  const d = new RespDecoder((v) => values.push(v), (e) => errors.push(e.message), limits);
  for (const c of randomChunks(wire, r, 12)) d.write(c);
  return { values, errors };
}

describe('fuzz: round trips', () => {
  it('RESP3: random values encode and decode back unchanged at random chunk splits', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = prng(seed);
      const values = Array.from({ length: 1 + int(r, 4) }, () => randValue(r, 3, true));
      const wire = Buffer.concat(values.map((v) => encodeReply(v, 3)));
      const got = decodeAll(wire, r);
      expect(got.errors, `seed ${seed}`).toEqual([]);
      expect(got.values, `seed ${seed}`).toStrictEqual(values);
    }
  });

  it('RESP2: the downgrade is stable (decode + re-encode gives the same bytes)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = prng(seed);
      const v = randValue(r, 3, true);
      const wire = encodeReply(v, 2);
      const got = decodeAll(wire, r);
      expect(got.errors, `seed ${seed}`).toEqual([]);
      expect(encodeReply(got.values[0], 2).equals(wire), `seed ${seed}`).toBe(true);
    }
  });

  it('ReplyFramer finds exactly the frames the encoder produced', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = prng(seed);
      const frames = Array.from({ length: 1 + int(r, 5) }, () => encodeReply(randValue(r, 3, true), 3));
      const got: Buffer[] = [];
      const f = new ReplyFramer(frameViews((raw) => got.push(Buffer.from(raw))), (e) => { throw e; });
      const write = viaSharedBuffer((buf, s, e) => f.write(buf, s, e));
      for (const c of randomChunks(Buffer.concat(frames), r, 12)) write(c);
      expect(got, `seed ${seed}`).toStrictEqual(frames);
    }
  });

  it('RequestFramer returns the arguments and original bytes of random pipelines', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = prng(seed);
      const cmds = Array.from({ length: 1 + int(r, 6) }, () => Array.from({ length: 1 + int(r, 5) }, () => randBytes(r, 50)));
      const wire = encodeCommands(cmds);
      const got: Buffer[][] = [];
      const raws: Buffer[] = [];
      const f = new RequestFramer((c) => { got.push(c.args().map((a) => Buffer.from(a))); raws.push(Buffer.from(c.raw)); }, (e) => { throw e; });
      const write = viaSharedBuffer((buf, s, e) => f.write(buf, s, e));
      for (const c of randomChunks(wire, r, 12)) write(c);
      expect(got, `seed ${seed}`).toStrictEqual(cmds);
      expect(Buffer.concat(raws).equals(wire), `seed ${seed}`).toBe(true);
    }
  });
});

describe('fuzz: hostile input', () => {
  const limits: RespLimits = { maxBulkLength: 64, maxAggregateLength: 8, maxDepth: 6, maxInlineLength: 64, maxLineLength: 64, maxFrameBytes: 512 };
  // A frame may overshoot maxFrameBytes by one chunk before the check at the chunk's end fails it.
  const maxChunk = 200;
  const bound = limits.maxFrameBytes + maxChunk + limits.maxLineLength + 2;

  function mutate(r: Rnd, input: Buffer): Buffer {
    const bytes = [...input];
    const n = 1 + int(r, 4);
    for (let i = 0; i < n; i++) {
      const op = int(r, 4);
      const at = int(r, bytes.length + 1);
      if (op === 0 && bytes.length) bytes[at % bytes.length] = int(r, 256);
      else if (op === 1) bytes.splice(at, 0, ...randBytes(r, 6));
      else if (op === 2) bytes.splice(at, 1 + int(r, 4));
      else bytes.splice(at, 0, ...Buffer.from(['$', '*', '%', '|', '>', '~'][int(r, 6)] + String(int(r, 100)) + '\r\n'));
    }
    return Buffer.from(bytes);
  }

  function feed(parsers: Array<{ write(c: Buffer): void; bufferedBytes: number }>, input: Buffer, r: Rnd, seed: number): void {
    for (let off = 0; off < input.length;) {
      const n = 1 + int(r, maxChunk);
      const chunk = input.subarray(off, off + n);
      off += n;
      for (const p of parsers) {
        expect(() => p.write(chunk), `seed ${seed}`).not.toThrow();
        expect(p.bufferedBytes, `seed ${seed}`).toBeLessThanOrEqual(bound);
      }
    }
  }

  it('mutated valid replies and commands never throw and stay within limits', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const r = prng(seed);
      const valid = Buffer.concat([
        ...Array.from({ length: 1 + int(r, 3) }, () => encodeReply(randValue(r, 3, true), 3)),
        encodeCommands([[randBytes(r, 20), randBytes(r, 20)]]),
      ]);
      const input = mutate(r, valid);
      feed([
        new RespDecoder(() => {}, () => {}, limits),
        new RespDecoder(() => {}, () => {}, { ...limits, mode: 'request' }),
        new ReplyFramer(() => {}, () => {}, limits),
        new RequestFramer(() => {}, () => {}, limits),
      ], input, r, seed);
    }
  });

  it('random bytes never throw and stay within limits', () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const r = prng(seed * 7919);
      const input = randBytes(r, 2000);
      feed([
        new RespDecoder(() => {}, () => {}, limits),
        new ReplyFramer(() => {}, () => {}, limits),
        new RequestFramer(() => {}, () => {}, limits),
      ], input, r, seed);
    }
  });

  it('an endless line or an endless bulk is cut off at the limit', () => {
    const errors: string[] = [];
    const d = new RespDecoder(() => {}, (e) => errors.push(e.message), limits);
    for (let i = 0; i < 100 && !d.failed; i++) d.write(Buffer.from(i === 0 ? '+' : 'aaaaaaaaaa'));
    expect(errors).toEqual(['Protocol error: too big line']);

    const req: string[] = [];
    const f = new RequestFramer(() => {}, (e) => req.push(e.message), limits);
    for (let i = 0; i < 100 && !f.failed; i++) f.write(Buffer.from('xxxxxxxxxx'));
    expect(req).toEqual(['Protocol error: too big inline request']);
  });
});
