import { describe, expect, it } from 'vitest';
import { CommandLineError, formatCommand, parseCommands, splitArgs } from './command-line';

describe('splitArgs', () => {
  it('splits on whitespace and keeps quoted spaces', () => {
    expect(splitArgs('SET user:1 "hello world"')).toEqual(['SET', 'user:1', 'hello world']);
  });

  it('handles escapes the way redis-cli does', () => {
    expect(splitArgs('SET k "a\\nb\\t\\"c\\""')).toEqual(['SET', 'k', 'a\nb\t"c"']);
    expect(splitArgs("SET k 'it\\'s'")).toEqual(['SET', 'k', "it's"]);
    expect(splitArgs('SET k "\\x41\\x42"')).toEqual(['SET', 'k', 'AB']);
    expect(splitArgs('SET k ""')).toEqual(['SET', 'k', '']);
  });

  it('sends bytes that are not UTF-8 as base64', () => {
    expect(splitArgs('SET k "\\xff\\x00"')).toEqual(['SET', 'k', { $base64: '/wA=' }]);
  });

  it('refuses unbalanced quotes and text glued to a closing quote', () => {
    expect(() => splitArgs('SET k "abc', 3)).toThrow(CommandLineError);
    expect(() => splitArgs('SET k "abc', 3)).toThrow(/Line 3/);
    expect(() => splitArgs('SET k "a"b')).toThrow(/followed by a space/);
  });
});

describe('parseCommands', () => {
  it('reads one command per line, skipping blanks and comments', () => {
    expect(parseCommands('SET a 1\n\n# note\nGET a\r\n')).toEqual([
      ['SET', 'a', '1'],
      ['GET', 'a'],
    ]);
  });
});

describe('formatCommand', () => {
  it('quotes what needs quoting', () => {
    expect(formatCommand(['SET', 'k', 'hello world', ''])).toBe('SET k "hello world" ""');
  });
});
