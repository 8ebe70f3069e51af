/**
 * The one accessor route handlers use to reach the server's shared objects. Next bundles
 * route handlers apart from the custom server, so module-level instances are not shared:
 * the composition root registers the context on globalThis under one key.
 */
import { AppError } from '@/lib/errors';
import type { ServerContext } from '../context';

const KEY = Symbol.for('redis-interlay.server-context');

export function registerContext(ctx: ServerContext | undefined): void {
  (globalThis as Record<symbol, unknown>)[KEY] = ctx;
}

export function getContext(): ServerContext {
  const ctx = (globalThis as Record<symbol, unknown>)[KEY] as ServerContext | undefined;
  if (!ctx) throw new AppError('UNAVAILABLE', 'The console is starting or stopping; try again shortly');
  return ctx;
}
