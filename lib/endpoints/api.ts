/**
 * Request schemas for the endpoint routes that are not CRUD bodies. Route handlers import
 * this file, and Next bundles them: keep it free of services and database code.
 */
import { z } from 'zod';
import { endpointName } from './schema';

/** Most commands a direct call may pipeline at once; enough for a console, bounded for the server. */
export const MAX_DIRECT_COMMANDS = 1000;

export const endpointParams = z.object({ endpoint: endpointName });

const arg = z.union([
  z.string().max(64 * 1024 * 1024),
  z.number().finite(),
  z.object({ $base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64') }).strict(),
]);
const command = z.array(arg).min(1, 'a command needs at least its name');

/** `{ command: [...] }` for one command or `{ commands: [[...], ...] }` for a pipeline. */
export const directCallSchema = z.union([
  z.object({ command }).strict(),
  z.object({ commands: z.array(command).min(1, 'at least one command').max(MAX_DIRECT_COMMANDS) }).strict(),
]);
