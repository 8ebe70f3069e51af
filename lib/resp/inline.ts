/**
 * Inline command splitting, byte-compatible with Redis's `sdssplitargs` (what redis-server
 * and redis-cli use): whitespace separates arguments; "double quotes" support \n \r \t \b \a,
 * \xHH and \<any>; 'single quotes' support only \'; a closing quote must be followed by
 * whitespace or the end of the line. A quote in the middle of a word opens a quoted part
 * (`a"b c"` is one argument `ab c`), as in Redis.
 *
 * Returns null for unbalanced quotes (Redis: "Protocol error: unbalanced quotes in request").
 */

function isSpace(c: number): boolean {
  // isspace(): space \t \n \v \f \r
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

export function splitInlineArgs(line: Buffer, start = 0, end = line.length): Buffer[] | null {
  const args: Buffer[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(line[p])) p++;
    if (p >= end) return args;

    const out: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = p < end ? line[p] : -1;
      if (inDouble) {
        if (c === -1) return null;
        if (c === 0x5c && p + 3 < end && line[p + 1] === 0x78 && hexValue(line[p + 2]) >= 0 && hexValue(line[p + 3]) >= 0) {
          out.push(hexValue(line[p + 2]) * 16 + hexValue(line[p + 3]));
          p += 3;
        } else if (c === 0x5c && p + 1 < end) {
          p++;
          const n = line[p];
          out.push(n === 0x6e ? 0x0a : n === 0x72 ? 0x0d : n === 0x74 ? 0x09 : n === 0x62 ? 0x08 : n === 0x61 ? 0x07 : n);
        } else if (c === 0x22) {
          if (p + 1 < end && !isSpace(line[p + 1])) return null;
          done = true;
        } else {
          out.push(c);
        }
      } else if (inSingle) {
        if (c === -1) return null;
        if (c === 0x5c && p + 1 < end && line[p + 1] === 0x27) {
          p++;
          out.push(0x27);
        } else if (c === 0x27) {
          if (p + 1 < end && !isSpace(line[p + 1])) return null;
          done = true;
        } else {
          out.push(c);
        }
      } else if (c === -1 || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x00) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        out.push(c);
      }
      if (p < end) p++;
    }
    args.push(Buffer.from(out));
  }
}
