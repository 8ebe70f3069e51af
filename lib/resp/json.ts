/**
 * Lossless JSON mapping of RESP values, for the console API and Socket.IO.
 *
 * | RESP                     | JSON                                             |
 * |--------------------------|--------------------------------------------------|
 * | bulk string, valid UTF-8 | "text"                                           |
 * | bulk string, binary      | {"$base64": "..."}                               |
 * | simple string            | "text"                                           |
 * | integer                  | 42, or {"$bigint": "..."} outside ±2^53          |
 * | null                     | null                                             |
 * | boolean                  | true / false                                     |
 * | array                    | [...]                                            |
 * | map                      | {"$map": [[k, v], ...]}                          |
 * | set                      | {"$set": [...]}                                  |
 * | double                   | {"$double": 1.5} or {"$double": "inf"/"-inf"/"nan"} |
 * | big number               | {"$bignum": "..."}                               |
 * | verbatim                 | {"$verbatim": {"format": "txt", "text": "..."}} ("base64" instead of "text" when binary) |
 * | error                    | {"$error": "ERR ..."}                            |
 * | push                     | {"$push": [...]}                                 |
 * | attribute                | {"$attribute": [[k, v], ...], "$value": ...}     |
 *
 * "Lossless" means the value is recoverable; a simple string and a bulk string with the
 * same text both become a JSON string (jsonToResp gives back a bulk string).
 */
import { isUtf8 } from 'node:buffer';
import {
  RespAttribute,
  RespBigNumber,
  RespDouble,
  RespError,
  RespMap,
  RespPush,
  RespSet,
  RespVerbatim,
  type RespArg,
  type RespValue,
} from './types';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function bytesToJson(b: Buffer): JsonValue {
  return isUtf8(b) ? b.toString('utf8') : { $base64: b.toString('base64') };
}

export function respToJson(v: RespValue): JsonValue {
  if (v === null) return null;
  if (Buffer.isBuffer(v)) return bytesToJson(v);
  if (Array.isArray(v)) return v.map(respToJson);
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : { $double: doubleJson(v) };
    case 'bigint':
      return { $bigint: v.toString() };
  }
  if (v instanceof RespError) return { $error: v.message };
  if (v instanceof RespDouble) return { $double: doubleJson(v.value) };
  if (v instanceof RespBigNumber) return { $bignum: v.value.toString() };
  if (v instanceof RespVerbatim) {
    return isUtf8(v.data)
      ? { $verbatim: { format: v.format, text: v.data.toString('utf8') } }
      : { $verbatim: { format: v.format, base64: v.data.toString('base64') } };
  }
  if (v instanceof RespMap) return { $map: v.entries.map(([k, x]) => [respToJson(k), respToJson(x)]) };
  if (v instanceof RespSet) return { $set: v.items.map(respToJson) };
  if (v instanceof RespPush) return { $push: v.items.map(respToJson) };
  if (v instanceof RespAttribute) {
    return { $attribute: v.attributes.entries.map(([k, x]) => [respToJson(k), respToJson(x)]), $value: respToJson(v.value) };
  }
  throw new TypeError('respToJson: not a RESP value');
}

function doubleJson(n: number): JsonValue {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return n;
}

function isObject(j: JsonValue): j is { [key: string]: JsonValue } {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}

function onlyKey(o: { [key: string]: JsonValue }): string | undefined {
  const keys = Object.keys(o);
  return keys.length === 1 ? keys[0] : undefined;
}

/**
 * A command argument from JSON: a string (sent as UTF-8), a finite number (sent as its
 * decimal text) or {"$base64": "..."} for binary. Anything else is a TypeError.
 */
export function jsonToArg(j: unknown): RespArg {
  if (typeof j === 'string') return j;
  if (typeof j === 'number') {
    if (!Number.isFinite(j)) throw new TypeError('argument must be a finite number');
    return j;
  }
  if (typeof j === 'object' && j !== null && !Array.isArray(j)) {
    const o = j as Record<string, unknown>;
    if (Object.keys(o).length === 1 && typeof o.$base64 === 'string') {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(o.$base64) || o.$base64.length % 4 === 1) {
        throw new TypeError('argument $base64 is not valid base64');
      }
      return Buffer.from(o.$base64, 'base64');
    }
  }
  throw new TypeError('argument must be a string, a number or {"$base64": "..."}');
}

function pairs(j: JsonValue): Array<[RespValue, RespValue]> {
  if (!Array.isArray(j)) throw new TypeError('expected an array of [key, value] pairs');
  return j.map((p) => {
    if (!Array.isArray(p) || p.length !== 2) throw new TypeError('expected a [key, value] pair');
    return [jsonToResp(p[0]), jsonToResp(p[1])];
  });
}

/** The inverse of respToJson (strings come back as bulk strings). */
export function jsonToResp(j: JsonValue): RespValue {
  if (j === null || typeof j === 'boolean') return j;
  if (typeof j === 'string') return Buffer.from(j, 'utf8');
  if (typeof j === 'number') return j;
  if (Array.isArray(j)) return j.map(jsonToResp);
  if ('$attribute' in j && '$value' in j && Object.keys(j).length === 2) {
    return new RespAttribute(new RespMap(pairs(j.$attribute)), jsonToResp(j.$value));
  }
  const key = onlyKey(j);
  const x = key === undefined ? undefined : j[key];
  switch (key) {
    case '$base64':
      if (typeof x === 'string') return Buffer.from(x, 'base64');
      break;
    case '$bigint':
      if (typeof x === 'string') return BigInt(x);
      break;
    case '$bignum':
      if (typeof x === 'string') return new RespBigNumber(BigInt(x));
      break;
    case '$error':
      if (typeof x === 'string') return new RespError(x);
      break;
    case '$double':
      if (typeof x === 'number') return new RespDouble(x);
      if (x === 'inf') return new RespDouble(Infinity);
      if (x === '-inf') return new RespDouble(-Infinity);
      if (x === 'nan') return new RespDouble(NaN);
      break;
    case '$map':
      return new RespMap(pairs(x as JsonValue));
    case '$set':
      if (Array.isArray(x)) return new RespSet(x.map(jsonToResp));
      break;
    case '$push':
      if (Array.isArray(x)) return new RespPush(x.map(jsonToResp));
      break;
    case '$verbatim':
      if (x !== undefined && isObject(x) && typeof x.format === 'string') {
        if (typeof x.text === 'string') return new RespVerbatim(x.format, Buffer.from(x.text, 'utf8'));
        if (typeof x.base64 === 'string') return new RespVerbatim(x.format, Buffer.from(x.base64, 'base64'));
      }
      break;
  }
  throw new TypeError(`jsonToResp: unrecognised object ${JSON.stringify(j).slice(0, 80)}`);
}
