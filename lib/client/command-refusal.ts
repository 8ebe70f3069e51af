/**
 * What the command console says when the server refuses a command: the server's reason in
 * the console's own words (its Write toggle, not the API's `/write`), and whether switching
 * to Write would let this user run it.
 */
import type { CommandRefusal } from '@/lib/endpoints/service';
import { ApiError } from './api';

export interface ConsoleHint {
  text: string;
  /** Offer a button that switches the console to Write and runs the commands there. */
  switchToWrite: boolean;
}

function isRefusal(d: unknown): d is CommandRefusal {
  return typeof d === 'object' && d !== null && (d as CommandRefusal).run_on === 'write' && typeof (d as CommandRefusal).command === 'string';
}

export function consoleHint(error: unknown, can: { write: boolean; admin: boolean }): ConsoleHint | undefined {
  if (!(error instanceof ApiError) || !isRefusal(error.details)) return undefined;
  const { command, needs } = error.details;
  const allowed = needs === 'admin' ? can.admin : can.write;
  if (error.status === 403 || !allowed) {
    const who = needs === 'admin' ? 'only admins may run it' : 'your role may only read';
    return { text: `${command} is ${needs === 'admin' ? 'an admin command' : 'not a read-only command'}: ${who}.`, switchToWrite: false };
  }
  // The read connection's reason, without the API's pointer to /write.
  const reason = error.message.replace(/;\s*use \/write$/, '');
  return { text: `${reason}. Switch the console to Write to run it.`, switchToWrite: true };
}
