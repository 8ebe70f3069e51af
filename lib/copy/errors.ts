/**
 * What a failed key or batch means for the copier (STYLE.md point 6): either a key-level
 * outcome recorded as an error key (final or retryable later), or a transient
 * batch-level failure that is retried on a fresh connection within the retry budget.
 */
import { RedisClientError } from '../redis/errors';
import { RespError } from '../resp/types';
import type { ErrorClass } from './types';

/**
 * Error classes a key's outcome counts as a *conflict* (the target holds something else
 * and the policy leaves it), not an error; a key failing both ways counts as an error.
 */
export const CONFLICT_CLASSES: readonly ErrorClass[] = ['conflict', 'merge_undefined'];

/** Reply codes that mean "the server is not ready right now": retry the whole batch. */
const TRANSIENT_CODES = new Set(['LOADING', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN']);

export function isTransientReply(v: unknown): boolean {
  return v instanceof RespError && TRANSIENT_CODES.has(v.code);
}

/** A reply the target gives when it cannot load a DUMP payload (other version / RDB format). */
export function isPayloadRejection(e: RespError): boolean {
  return /payload version or checksum are wrong|Bad data format/i.test(e.message);
}

export interface KeyErrorClass {
  errorClass: ErrorClass;
  retryable: boolean;
}

/** Classifies an error reply to a per-key command (RESTORE, HSET...). */
export function classifyReply(e: RespError): KeyErrorClass {
  const code = e.code;
  if (code === 'BUSYKEY') return { errorClass: 'conflict', retryable: false };
  if (code === 'OOM') return { errorClass: 'target_oom', retryable: true };
  if (code === 'NOPERM' || code === 'NOAUTH' || code === 'WRONGPASS') return { errorClass: 'permission', retryable: false };
  if (code === 'WRONGTYPE') return { errorClass: 'conflict', retryable: false };
  if (/module/i.test(e.message) && /(not|missing|unknown)/i.test(e.message)) return { errorClass: 'module_type_missing', retryable: false };
  if (isPayloadRejection(e)) return { errorClass: 'target_rejected_payload', retryable: false };
  if (TRANSIENT_CODES.has(code)) return { errorClass: 'connection', retryable: true };
  return { errorClass: 'other', retryable: false };
}

/** A batch-level failure worth retrying on a new connection. */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export function isTransientError(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  if (err instanceof RedisClientError) {
    // A server still loading its dataset refuses the handshake's SELECT with LOADING.
    if (err.code === 'HANDSHAKE' && err.reply !== undefined && TRANSIENT_CODES.has(err.reply.code)) return true;
    return err.retryable || err.code === 'ECLOSED' || err.code === 'PROTOCOL';
  }
  return false;
}

export function classifyThrown(err: unknown): KeyErrorClass {
  if (err instanceof RedisClientError) {
    if (err.code === 'ETIMEDOUT') return { errorClass: 'timeout', retryable: true };
    if (err.code === 'AUTH' || err.code === 'NOAUTH') return { errorClass: 'permission', retryable: false };
    return { errorClass: 'connection', retryable: true };
  }
  if (err instanceof TransientError) return { errorClass: 'connection', retryable: true };
  return { errorClass: 'other', retryable: false };
}

/** Throws a TransientError for LOADING / BUSY... replies found in a pipeline's replies. */
export function throwIfTransient(replies: readonly unknown[], where: string): void {
  for (const r of replies) {
    if (isTransientReply(r)) throw new TransientError(`${where}: ${(r as RespError).message}`);
  }
}
