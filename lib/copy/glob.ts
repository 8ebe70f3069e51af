/**
 * Redis glob matching (a port of stringmatchlen in util.c), byte-wise so binary keys
 * match exactly as the server's SCAN MATCH would. Used when a job has several MATCH
 * patterns: one SCAN loop per db, patterns checked here.
 */
export function globMatch(pattern: Buffer, str: Buffer, nocase = false): boolean {
  // SCAN treats a lone '*' as no pattern at all (so it matches the empty key too).
  if (pattern.length === 1 && pattern[0] === 0x2a) return true;
  return match(pattern, 0, str, 0, nocase, 0);
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

function match(p: Buffer, pi: number, s: Buffer, si: number, nocase: boolean, depth: number): boolean {
  // Same nesting guard as Redis (CVE-2022-36021): patterns like "a*a*a*..." stay bounded.
  if (depth > 1000) return false;
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === 0x2a /* * */) {
      while (pi + 1 < p.length && p[pi + 1] === 0x2a) pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k < s.length; k++) {
        if (match(p, pi + 1, s, k, nocase, depth + 1)) return true;
      }
      return false;
    } else if (c === 0x3f /* ? */) {
      si++;
    } else if (c === 0x5b /* [ */) {
      pi++;
      const not = p[pi] === 0x5e;
      if (not) pi++;
      let matched = false;
      for (;;) {
        if (pi >= p.length) {
          pi--;
          break;
        }
        if (p[pi] === 0x5c && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (p[pi] === 0x5d) {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === 0x2d) {
          let start = p[pi];
          let end = p[pi + 2];
          let ch = s[si];
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(start);
            end = lower(end);
            ch = lower(ch);
          }
          pi += 2;
          if (ch >= start && ch <= end) matched = true;
        } else if (nocase ? lower(p[pi]) === lower(s[si]) : p[pi] === s[si]) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
    } else {
      if (c === 0x5c /* \ */ && pi + 1 < p.length) pi++;
      if (nocase ? lower(p[pi]) !== lower(s[si]) : p[pi] !== s[si]) return false;
      si++;
    }
    pi++;
    if (si === s.length) {
      while (pi < p.length && p[pi] === 0x2a) pi++;
      break;
    }
  }
  return pi === p.length && si === s.length;
}
