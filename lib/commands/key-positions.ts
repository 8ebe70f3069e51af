/**
 * Key finders for commands whose keys cannot be described by first/last/step
 * (the `movablekeys` flag). Each mirrors the server's own `*GetKeys` function
 * (src/db.c in redis) so routing sees the keys Redis itself would see; a malformed
 * call yields no keys and the server answers it with an error.
 *
 * Positions are indexes into the whole argv (command name at 0).
 */
import { isToken, parseCount, type Argv } from './args';

export type KeyFinder = (argv: Argv) => readonly number[];

/** Shared so the common "no keys" answer allocates nothing. */
export const NO_KEYS: readonly number[] = Object.freeze([]);

/** Keys after a numkeys argument at `at`: `CMD ... numkeys k1 .. kn ...`, `stride` apart. */
function numkeysAt(at: number, stride = 1): KeyFinder {
  return (argv) => {
    const n = parseCount(argv[at]);
    if (n <= 0 || at + (n - 1) * stride + 1 >= argv.length) return NO_KEYS;
    const keys = new Array<number>(n);
    for (let i = 0; i < n; i++) keys[i] = at + 1 + i * stride;
    return keys;
  };
}

/** `ZUNIONSTORE dest numkeys k1 .. kn`: the destination, then the sources. */
const destThenNumkeys: KeyFinder = (argv) => {
  const sources = numkeysAt(2)(argv);
  return sources.length === 0 ? NO_KEYS : [1, ...sources];
};

/** Index of the STREAMS token of XREAD/XREADGROUP, -1 if the options do not parse. */
export function xreadStreamsIndex(argv: Argv): number {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (isToken(a, 'BLOCK') || isToken(a, 'COUNT') || isToken(a, 'CLAIM')) i += 1;
    else if (isToken(a, 'GROUP')) i += 2;
    else if (isToken(a, 'NOACK')) continue;
    else if (isToken(a, 'STREAMS')) return i;
    else return -1;
  }
  return -1;
}

/** True when XREAD/XREADGROUP carries BLOCK among its options (i.e. before STREAMS). */
export function xreadHasBlock(argv: Argv): boolean {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (isToken(a, 'BLOCK')) return true;
    if (isToken(a, 'COUNT') || isToken(a, 'CLAIM')) i += 1;
    else if (isToken(a, 'GROUP')) i += 2;
    else if (!isToken(a, 'NOACK')) return false; // STREAMS or a syntax error
  }
  return false;
}

/** `XREAD ... STREAMS k1 .. kn id1 .. idn`: the first half after STREAMS. */
const xread: KeyFinder = (argv) => {
  const at = xreadStreamsIndex(argv);
  const rest = at < 0 ? 0 : argv.length - at - 1;
  if (rest === 0 || rest % 2 !== 0) return NO_KEYS;
  const keys = new Array<number>(rest / 2);
  for (let i = 0; i < keys.length; i++) keys[i] = at + 1 + i;
  return keys;
};

/** `SORT key [BY p] [LIMIT o c] [GET p ...] [ASC|DESC] [ALPHA] [STORE dest]`; the last STORE wins, as in SORT. */
const sort: KeyFinder = (argv) => {
  if (argv.length < 2) return NO_KEYS;
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (isToken(a, 'LIMIT')) i += 2;
    else if (isToken(a, 'BY') || isToken(a, 'GET')) i += 1;
    else if (isToken(a, 'STORE') && i + 1 < argv.length) store = ++i;
  }
  return store < 0 ? [1] : [1, store];
};

/** `GEORADIUS key lon lat r unit ... [STORE k] [STOREDIST k]` (and BYMEMBER); options scanned from 5 as redis does. */
const georadius: KeyFinder = (argv) => {
  if (argv.length < 2) return NO_KEYS;
  let store = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((isToken(argv[i], 'STORE') || isToken(argv[i], 'STOREDIST')) && i + 1 < argv.length) store = ++i;
  }
  return store < 0 ? [1] : [1, store];
};

/** `MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k ...]`. */
const migrate: KeyFinder = (argv) => {
  if (argv.length < 6) return NO_KEYS;
  if (argv[3]!.length > 0) return [3];
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i];
    if (isToken(a, 'AUTH')) i += 1;
    else if (isToken(a, 'AUTH2')) i += 2;
    else if (isToken(a, 'KEYS')) {
      const keys: number[] = [];
      for (let k = i + 1; k < argv.length; k++) keys.push(k);
      return keys;
    }
  }
  return NO_KEYS;
};

/** Finders by lowercase command name; every `movablekeys` command in the bundled table has one (a test checks). */
export const KEY_FINDERS: ReadonlyMap<string, KeyFinder> = new Map<string, KeyFinder>([
  ['eval', numkeysAt(2)],
  ['evalsha', numkeysAt(2)],
  ['eval_ro', numkeysAt(2)],
  ['evalsha_ro', numkeysAt(2)],
  ['fcall', numkeysAt(2)],
  ['fcall_ro', numkeysAt(2)],
  ['zunionstore', destThenNumkeys],
  ['zinterstore', destThenNumkeys],
  ['zdiffstore', destThenNumkeys],
  ['zunion', numkeysAt(1)],
  ['zinter', numkeysAt(1)],
  ['zdiff', numkeysAt(1)],
  ['zintercard', numkeysAt(1)],
  ['sintercard', numkeysAt(1)],
  ['sdiffcard', numkeysAt(1)],
  ['sunioncard', numkeysAt(1)],
  ['lmpop', numkeysAt(1)],
  ['zmpop', numkeysAt(1)],
  ['blmpop', numkeysAt(2)],
  ['bzmpop', numkeysAt(2)],
  // MSETEX numkeys k1 v1 .. kn vn [options]
  ['msetex', numkeysAt(1, 2)],
  ['xread', xread],
  ['xreadgroup', xread],
  ['sort', sort],
  ['sort_ro', sort],
  ['georadius', georadius],
  ['georadiusbymember', georadius],
  ['migrate', migrate],
]);
