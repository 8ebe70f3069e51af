/**
 * A hash of a reply that is the same whichever protocol it came in. The mirror compares the
 * primary's reply to a write (on the client's connection: RESP2 or RESP3) with each other
 * side's reply (on the mirror link, RESP2): `ZINCRBY` answers `,1.5` in RESP3 and `$3 1.5` in
 * RESP2, a null is `_`, `$-1` or `*-1`, a map is a flat array in RESP2, and ZPOPMIN's pairs
 * are nested only in RESP3. Hashing raw bytes would call every such reply a divergence.
 *
 * The canonical form: the sequence of leaves in their RESP2 spelling (doubles, big numbers
 * and verbatim strings as bulk strings, booleans as integers, every null as `$-1`, blob
 * errors as simple errors), aggregates flattened (their headers are not hashed), attributes
 * skipped. Simple strings, errors, integers and bulk strings, what nearly every write
 * answers, are hashed as their bytes without parsing.
 */

const CR = 0x0d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const COLON = 0x3a;
const DOLLAR = 0x24;

const FNV_OFFSET = 0x811c9dc5;
const NULL2 = Buffer.from('$-1\r\n');
const ONE = Buffer.from(':1\r\n');
const ZERO = Buffer.from(':0\r\n');
const CRLF = Buffer.from('\r\n');

function mix(h: number, buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

function mixAll(h: number, b: Buffer): number {
  return mix(h, b, 0, b.length);
}

/** A leaf written as a RESP2 bulk string: `$<len>\r\n<bytes>\r\n`. */
function mixBulk(h: number, buf: Buffer, start: number, end: number): number {
  h = mixAll(h, Buffer.from(`$${end - start}\r\n`));
  h = mix(h, buf, start, end);
  return mixAll(h, CRLF);
}

function lineEnd(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end - 1; i++) if (buf[i] === CR && buf[i + 1] === 0x0a) return i;
  throw new Error('truncated reply');
}

function intAt(buf: Buffer, start: number, end: number): number {
  return Number(buf.toString('latin1', start, end));
}

/** Mixes the reply at `pos` into h; returns [h, the position after it]. */
function walk(h: number, buf: Buffer, pos: number, end: number): [number, number] {
  const t = buf[pos];
  const le = lineEnd(buf, pos + 1, end);
  const next = le + 2;
  switch (t) {
    case PLUS:
    case MINUS:
    case COLON:
      return [mix(h, buf, pos, next), next];
    case DOLLAR: {
      const n = intAt(buf, pos + 1, le);
      if (n < 0) return [mixAll(h, NULL2), next];
      return [mix(h, buf, pos, next + n + 2), next + n + 2];
    }
    case 0x5f: // `_` null
      return [mixAll(h, NULL2), next];
    case 0x2c: // `,` double
    case 0x28: // `(` big number
      return [mixBulk(h, buf, pos + 1, le), next];
    case 0x23: // `#` boolean
      return [mixAll(h, buf[pos + 1] === 0x74 ? ONE : ZERO), next];
    case 0x3d: {
      // `=` verbatim string: `=<len>\r\ntxt:<payload>\r\n`
      const n = intAt(buf, pos + 1, le);
      return [mixBulk(h, buf, next + 4, next + n), next + n + 2];
    }
    case 0x21: {
      // `!` blob error, as a simple error
      const n = intAt(buf, pos + 1, le);
      h = mixAll(h, Buffer.from('-'));
      h = mix(h, buf, next, next + n);
      return [mixAll(h, CRLF), next + n + 2];
    }
    case 0x2a: // `*` array
    case 0x7e: // `~` set
    case 0x3e: // `>` push
    case 0x25: {
      // `%` map
      let n = intAt(buf, pos + 1, le);
      if (n < 0) return [mixAll(h, NULL2), next];
      if (t === 0x25) n *= 2;
      let p = next;
      for (let i = 0; i < n; i++) [h, p] = walk(h, buf, p, end);
      return [h, p];
    }
    case 0x7c: {
      // `|` attribute: metadata before the reply it annotates; not part of the value
      const n = intAt(buf, pos + 1, le) * 2;
      let p = next;
      let ignored = FNV_OFFSET;
      for (let i = 0; i < n; i++) [ignored, p] = walk(ignored, buf, p, end);
      return walk(h, buf, p, end);
    }
    default:
      // Unknown type byte: hash what is left as bytes (two such replies compare by bytes).
      return [mix(h, buf, pos, end), end];
  }
}

/** The protocol-independent hash of the one reply in buf[start, end). */
export function replyHash(buf: Buffer, start: number, end: number): number {
  const t = buf[start];
  if (t === PLUS || t === MINUS || t === COLON || (t === DOLLAR && buf[start + 1] !== MINUS)) return mix(FNV_OFFSET, buf, start, end) >>> 0;
  try {
    return walk(FNV_OFFSET, buf, start, end)[0] >>> 0;
  } catch {
    return mix(FNV_OFFSET, buf, start, end) >>> 0;
  }
}
