/**
 * Allocation-free helpers over command arguments as they come off the wire
 * (Buffers) or from in-process callers (strings).
 */

export type Arg = Buffer | string;
/** A whole command as sent: the command name at index 0, then its arguments. */
export type Argv = readonly Arg[];

/** True when `arg` equals `upper` (an UPPERCASE ASCII token) ignoring ASCII case. */
export function isToken(arg: Arg | undefined, upper: string): boolean {
  if (arg === undefined || arg.length !== upper.length) return false;
  if (typeof arg === 'string') {
    for (let i = 0; i < upper.length; i++) {
      let c = arg.charCodeAt(i);
      if (c >= 97 && c <= 122) c -= 32;
      if (c !== upper.charCodeAt(i)) return false;
    }
    return true;
  }
  for (let i = 0; i < upper.length; i++) {
    let c = arg[i]!;
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== upper.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Parses a non-negative decimal integer (as Redis accepts numkeys and db indexes);
 * -1 for anything else. Capped well below 2^53 by the length check.
 */
export function parseCount(arg: Arg | undefined): number {
  if (arg === undefined || arg.length === 0 || arg.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < arg.length; i++) {
    const c = typeof arg === 'string' ? arg.charCodeAt(i) : arg[i]!;
    if (c < 48 || c > 57) return -1;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Renders an argument for logs and messages, bounded so a huge value cannot flood a log line. */
export function argText(arg: Arg, max = 128): string {
  const s = typeof arg === 'string' ? arg : arg.toString('utf8', 0, Math.min(arg.length, max * 4));
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
