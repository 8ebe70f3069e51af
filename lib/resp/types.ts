/**
 * The RESP value model, limits and protocol error type.
 *
 * Every RESP2/RESP3 type maps to a JS value without losing what it was on the wire:
 *
 * | wire                | JS                                              |
 * |---------------------|-------------------------------------------------|
 * | `+` simple string   | `string`                                        |
 * | `-` / `!` error     | `RespError` (a value, never thrown)             |
 * | `:` integer         | `number`, or `bigint` outside the safe range    |
 * | `$` bulk string     | `Buffer` (binary safe)                          |
 * | `$-1` `*-1` `_`     | `null`                                          |
 * | `*` array           | `RespValue[]`                                   |
 * | `,` double          | `RespDouble`                                    |
 * | `#` boolean         | `boolean`                                       |
 * | `(` big number      | `RespBigNumber`                                 |
 * | `=` verbatim        | `RespVerbatim`                                  |
 * | `%` map             | `RespMap` (ordered pairs; keys may be any value)|
 * | `~` set             | `RespSet`                                       |
 * | `>` push            | `RespPush`                                      |
 * | `\|` attribute      | `RespAttribute` wrapping the value it precedes  |
 *
 * Maps are kept as ordered pairs instead of a JS `Map` because RESP keys are often
 * Buffers (compared by identity in a `Map`) and order matters for lossless re-encoding.
 */

export class RespError {
  /**
   * @param message the full error line, including its code prefix (`ERR ...`, `WRONGTYPE ...`).
   * @param blob true when it came as a RESP3 blob error (`!`), so re-encoding is lossless.
   */
  constructor(
    readonly message: string,
    readonly blob = false,
  ) {}

  /** The error code: the first word when it is upper case (`ERR`, `WRONGTYPE`, `MOVED`...). */
  get code(): string {
    const sp = this.message.indexOf(' ');
    const word = sp === -1 ? this.message : this.message.slice(0, sp);
    return /^[A-Z][A-Z0-9_-]*$/.test(word) ? word : '';
  }

  toString(): string {
    return this.message;
  }
}

export class RespDouble {
  /** NaN, Infinity and -Infinity stand for RESP3 `nan`, `inf` and `-inf`. */
  constructor(readonly value: number) {}
}

export class RespBigNumber {
  constructor(readonly value: bigint) {}
}

export class RespVerbatim {
  /**
   * @param format the three-letter format (`txt`, `mkd`).
   * @param data the text after `fmt:`, as bytes (verbatim strings are binary safe).
   */
  constructor(
    readonly format: string,
    readonly data: Buffer,
  ) {}

  get text(): string {
    return this.data.toString('utf8');
  }
}

export class RespMap {
  constructor(readonly entries: Array<[RespValue, RespValue]>) {}

  get size(): number {
    return this.entries.length;
  }

  /** Looks a key up by its string form (bulk keys compare by UTF-8 text). Linear: maps from Redis are small. */
  get(key: string): RespValue | undefined {
    for (const [k, v] of this.entries) {
      if (typeof k === 'string' ? k === key : Buffer.isBuffer(k) && k.length === Buffer.byteLength(key) && k.toString() === key) {
        return v;
      }
    }
    return undefined;
  }

  /** A plain object keyed by the string form of each key; later duplicates win. */
  toObject(): Record<string, RespValue> {
    const out: Record<string, RespValue> = {};
    for (const [k, v] of this.entries) out[String(k)] = v;
    return out;
  }
}

export class RespSet {
  constructor(readonly items: RespValue[]) {}
}

export class RespPush {
  constructor(readonly items: RespValue[]) {}

  /** The push kind (`message`, `invalidate`, `subscribe`...), from the first element. */
  get kind(): string {
    const first = this.items[0];
    return first === undefined || first === null ? '' : String(first);
  }
}

/**
 * A RESP3 attribute (`|`) together with the value it annotates. The decoder wraps the
 * value that follows an attribute so the attribute is neither lost nor mistaken for a
 * reply; pass `attributes: 'drop'` to the decoder to receive the bare value instead.
 */
export class RespAttribute {
  constructor(
    readonly attributes: RespMap,
    readonly value: RespValue,
  ) {}
}

export type RespValue =
  | string
  | Buffer
  | number
  | bigint
  | boolean
  | null
  | RespError
  | RespDouble
  | RespBigNumber
  | RespVerbatim
  | RespMap
  | RespSet
  | RespPush
  | RespAttribute
  | RespValue[];

/** A command argument as callers give it; numbers are sent as their decimal text. */
export type RespArg = string | Buffer | number;

/**
 * Malformed protocol. Unlike `RespError` this is a real failure: the stream cannot be
 * trusted any more and the connection should be closed.
 */
export class RespProtocolError extends Error {
  readonly code = 'PROTOCOL';

  constructor(message: string) {
    super(message);
    this.name = 'RespProtocolError';
  }
}

export interface RespLimits {
  /** Largest bulk string (and verbatim / blob error / streamed string total). Redis's proto-max-bulk-len. */
  maxBulkLength: number;
  /** Largest declared aggregate length (elements; a map of n pairs counts n). */
  maxAggregateLength: number;
  /** Deepest aggregate nesting. */
  maxDepth: number;
  /** Longest inline command line (request side). */
  maxInlineLength: number;
  /** Longest line: simple string, error, number, header. */
  maxLineLength: number;
  /** Largest complete frame (one reply or one command) in bytes. */
  maxFrameBytes: number;
}

/**
 * Defaults, and why:
 * - bulk 512 MB: Redis's own proto-max-bulk-len default, so every value Redis accepts fits.
 * - aggregate 16,777,216 elements: Redis allows 1 G, but a reply that large would blow
 *   maxFrameBytes anyway; 16 M still covers LRANGE/HGETALL/SMEMBERS of very big keys.
 *   Elements are never preallocated from the declared count, so a lying header costs nothing.
 * - depth 128: real replies nest 3-4 levels (EXEC of XREAD); scripts can nest deeper, not 128.
 * - inline 64 KB: Redis's PROTO_INLINE_MAX_SIZE.
 * - line 1 MB: error lines can carry script-generated text; a line is only buffered
 *   when split across chunks, so this bounds that buffer.
 * - frame 1 GB: Redis's client-query-buffer-limit default; bounds a frame assembled from chunks.
 */
export const DEFAULT_LIMITS: Readonly<RespLimits> = Object.freeze({
  maxBulkLength: 512 * 1024 * 1024,
  maxAggregateLength: 16 * 1024 * 1024,
  maxDepth: 128,
  maxInlineLength: 64 * 1024,
  maxLineLength: 1024 * 1024,
  maxFrameBytes: 1024 * 1024 * 1024,
});

export function resolveLimits(partial?: Partial<RespLimits>): RespLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}

/** Type bytes of RESP2/RESP3. */
export const RespType = {
  SimpleString: 0x2b, // +
  Error: 0x2d, // -
  Integer: 0x3a, // :
  BulkString: 0x24, // $
  Array: 0x2a, // *
  Null: 0x5f, // _
  Double: 0x2c, // ,
  Boolean: 0x23, // #
  BigNumber: 0x28, // (
  BlobError: 0x21, // !
  Verbatim: 0x3d, // =
  Map: 0x25, // %
  Set: 0x7e, // ~
  Attribute: 0x7c, // |
  Push: 0x3e, // >
  StreamChunk: 0x3b, // ;  (part of a streamed string `$?`)
  StreamEnd: 0x2e, // .   (ends a streamed aggregate `*?`)
} as const;

export function isErrorType(type: number): boolean {
  return type === RespType.Error || type === RespType.BlobError;
}
