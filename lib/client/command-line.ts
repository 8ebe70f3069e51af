/**
 * Parses console input into command arguments the way redis-cli does (sdssplitargs):
 * words split on whitespace; "double quotes" take escapes \n \r \t \b \a \\ \" \xHH;
 * 'single quotes' take only \'. A quoted argument must be followed by a space or the end.
 * Each non-empty line is one command (several lines = a pipeline); lines starting with #
 * are comments. Arguments whose bytes are not valid UTF-8 (from \xHH) go as `{$base64}`.
 */
import type { CommandArg } from './types';

export class CommandLineError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `Line ${line}: ${message}` : message);
    this.name = 'CommandLineError';
  }
}

const utf8 = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

function toArg(bytes: number[]): CommandArg {
  const u8 = Uint8Array.from(bytes);
  try {
    return strictDecoder.decode(u8);
  } catch {
    let bin = '';
    for (const b of u8) bin += String.fromCharCode(b);
    return { $base64: btoa(bin) };
  }
}

/** Splits one line into arguments; throws CommandLineError on unbalanced quotes. */
export function splitArgs(line: string, lineNo = 0): CommandArg[] {
  const out: CommandArg[] = [];
  let i = 0;
  const n = line.length;
  const push = (bytes: number[], s: string) => bytes.push(...utf8.encode(s));
  while (true) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) return out;
    const bytes: number[] = [];
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inDq) {
        if (c === undefined) throw new CommandLineError('unbalanced double quote', lineNo);
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          bytes.push(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
          push(bytes, map[e] ?? e);
        } else if (c === '"') {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) throw new CommandLineError('a closing quote must be followed by a space', lineNo);
          done = true;
        } else {
          push(bytes, c);
        }
      } else if (inSq) {
        if (c === undefined) throw new CommandLineError('unbalanced single quote', lineNo);
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          push(bytes, "'");
        } else if (c === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1]!)) throw new CommandLineError('a closing quote must be followed by a space', lineNo);
          done = true;
        } else {
          push(bytes, c);
        }
      } else if (c === undefined || /\s/.test(c)) {
        done = true;
      } else if (c === '"') {
        inDq = true;
      } else if (c === "'") {
        inSq = true;
      } else {
        push(bytes, c);
      }
      if (i < n) i++;
    }
    out.push(toArg(bytes));
  }
}

/** Parses a whole input: one command per non-empty, non-comment line. */
export function parseCommands(input: string): CommandArg[][] {
  const commands: CommandArg[][] = [];
  input.split(/\r?\n/).forEach((line, idx) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const args = splitArgs(line, idx + 1);
    if (args.length) commands.push(args);
  });
  return commands;
}

/** Shows arguments back as a command line (quoting where needed), for the history list. */
export function formatCommand(args: CommandArg[]): string {
  return args
    .map((a) => {
      if (typeof a === 'number') return String(a);
      if (typeof a === 'object') return `<base64:${a.$base64}>`;
      if (a !== '' && /^[^\s"'\\]+$/.test(a)) return a;
      return JSON.stringify(a);
    })
    .join(' ');
}
