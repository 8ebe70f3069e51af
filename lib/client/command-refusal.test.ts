import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { consoleHint } from './command-refusal';

const refused = (status: number, message: string, command: string, needs: 'operate' | 'admin') =>
  new ApiError(status, status === 403 ? 'FORBIDDEN' : 'VALIDATION', message, [], { command, index: 0, run_on: 'write', needs });

describe('consoleHint', () => {
  it('points an operator at the Write toggle for a write command, in the console’s words', () => {
    expect(consoleHint(refused(400, 'SET is a write command; use /write', 'SET', 'operate'), { write: true, admin: false })).toEqual({
      text: 'SET is a write command. Switch the console to Write to run it.',
      switchToWrite: true,
    });
  });

  it('points an admin at the Write toggle for an admin command, and tells others only admins may', () => {
    const e = refused(400, 'CONFIG GET is an admin command', 'CONFIG GET', 'admin');
    expect(consoleHint(e, { write: true, admin: true })).toEqual({ text: 'CONFIG GET is an admin command. Switch the console to Write to run it.', switchToWrite: true });
    expect(consoleHint(e, { write: true, admin: false })).toEqual({ text: 'CONFIG GET is an admin command: only admins may run it.', switchToWrite: false });
    expect(consoleHint(refused(403, 'FLUSHALL is a dangerous command: only admins may run it', 'FLUSHALL', 'admin'), { write: true, admin: false })?.switchToWrite).toBe(false);
  });

  it('tells a viewer their role may only read, and ignores other errors', () => {
    expect(consoleHint(refused(400, 'SET is a write command; use /write', 'SET', 'operate'), { write: false, admin: false })).toEqual({ text: 'SET is not a read-only command: your role may only read.', switchToWrite: false });
    expect(consoleHint(new ApiError(502, 'UPSTREAM', 'down'), { write: true, admin: true })).toBeUndefined();
    expect(consoleHint(new Error('x'), { write: true, admin: true })).toBeUndefined();
  });
});
