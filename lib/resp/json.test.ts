import { describe, expect, it } from 'vitest';
import { jsonToArg, jsonToResp, respToJson } from './json';
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

const b = (s: string) => Buffer.from(s, 'utf8');

describe('respToJson / jsonToResp', () => {
  const cases: Array<[string, RespValue, unknown]> = [
    ['utf-8 bulk', b('héllo'), 'héllo'],
    ['binary bulk', Buffer.from([0xff, 0x00, 0xc3]), { $base64: '/wDD' }],
    ['integer', 42, 42],
    ['unsafe integer', 2n ** 60n, { $bigint: String(2n ** 60n) }],
    ['null', null, null],
    ['booleans', [true, false], [true, false]],
    ['nested array', [b('a'), [1, null]], ['a', [1, null]]],
    ['map', new RespMap([[b('k'), b('v')], [1, [2]]]), { $map: [['k', 'v'], [1, [2]]] }],
    ['set', new RespSet([b('x')]), { $set: ['x'] }],
    ['double', new RespDouble(1.5), { $double: 1.5 }],
    ['inf', new RespDouble(Infinity), { $double: 'inf' }],
    ['-inf', new RespDouble(-Infinity), { $double: '-inf' }],
    ['nan', new RespDouble(NaN), { $double: 'nan' }],
    ['big number', new RespBigNumber(10n ** 40n), { $bignum: String(10n ** 40n) }],
    ['verbatim', new RespVerbatim('txt', b('hi')), { $verbatim: { format: 'txt', text: 'hi' } }],
    ['binary verbatim', new RespVerbatim('txt', Buffer.from([0xff])), { $verbatim: { format: 'txt', base64: '/w==' } }],
    ['error', new RespError('ERR no'), { $error: 'ERR no' }],
    ['push', new RespPush([b('message'), b('c')]), { $push: ['message', 'c'] }],
    ['attribute', new RespAttribute(new RespMap([[b('ttl'), 3]]), b('v')), { $attribute: [['ttl', 3]], $value: 'v' }],
  ];
  for (const [name, value, json] of cases) {
    it(name, () => {
      expect(respToJson(value)).toStrictEqual(json);
      // JSON text survives a round trip and maps back to the same value.
      const again = JSON.parse(JSON.stringify(respToJson(value)));
      expect(jsonToResp(again)).toStrictEqual(value);
    });
  }

  it('maps a simple string to a JSON string (it comes back as a bulk string)', () => {
    expect(respToJson('OK')).toBe('OK');
    expect(jsonToResp('OK')).toStrictEqual(b('OK'));
  });

  it('rejects unknown tagged objects', () => {
    expect(() => jsonToResp({ $nope: 1 })).toThrow(TypeError);
    expect(() => jsonToResp({ a: 1, b: 2 })).toThrow(TypeError);
  });
});

describe('jsonToArg', () => {
  it('accepts strings, finite numbers and $base64', () => {
    expect(jsonToArg('a')).toBe('a');
    expect(jsonToArg(1.5)).toBe(1.5);
    expect(jsonToArg({ $base64: '/wDD' })).toStrictEqual(Buffer.from([0xff, 0x00, 0xc3]));
  });
  it('rejects anything else with a TypeError', () => {
    for (const bad of [null, true, [], {}, { $base64: 1 }, { $base64: '!!' }, { $base64: 'AA==', x: 1 }, Infinity, NaN]) {
      expect(() => jsonToArg(bad), JSON.stringify(bad)).toThrow(TypeError);
    }
  });
});
