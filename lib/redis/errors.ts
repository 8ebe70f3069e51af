/**
 * Typed client errors. `code` tells the caller what happened without parsing messages:
 *
 * - ECONNREFUSED, ENOTFOUND, EHOSTUNREACH, ENETUNREACH: the TCP connect failed
 * - ETIMEDOUT: connect timeout or command timeout
 * - ECONNRESET: the connection broke (server killed, network) with calls pending
 * - ECLOSED: the connection (or pool) was closed by this side
 * - TLS: TLS handshake / certificate failure
 * - AUTH: wrong username or password (WRONGPASS, or AUTH with no password configured)
 * - NOAUTH: the server requires a password and none was given
 * - HANDSHAKE: HELLO / SELECT / CLIENT SETNAME refused for another reason
 * - PROTOCOL: the server sent malformed RESP
 * - REPLY: a Redis error reply, raised by callOrThrow (`reply` holds the RespError)
 */
import type { RespError } from '../resp/types';

export type RedisErrorCode =
  | 'ECONNREFUSED'
  | 'ENOTFOUND'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'ETIMEDOUT'
  | 'ECONNRESET'
  | 'ECLOSED'
  | 'TLS'
  | 'AUTH'
  | 'NOAUTH'
  | 'HANDSHAKE'
  | 'PROTOCOL'
  | 'REPLY';

export class RedisClientError extends Error {
  constructor(
    readonly code: RedisErrorCode,
    message: string,
    options?: { cause?: unknown; reply?: RespError },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RedisClientError';
    this.reply = options?.reply;
  }

  /** The Redis error reply behind AUTH / NOAUTH / HANDSHAKE / REPLY errors. */
  readonly reply?: RespError;

  /** Worth retrying on a new connection (the copy engine's retry policy uses this). */
  get retryable(): boolean {
    return this.code === 'ECONNRESET' || this.code === 'ETIMEDOUT' || this.code === 'ECONNREFUSED';
  }
}
