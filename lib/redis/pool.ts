/**
 * ConnectionPool: up to `size` multiplexed RedisConnections to one endpoint.
 *
 * - Lazy: no connection until first use; a new one is opened only when every open
 *   connection already has replies pending (so light use stays on one socket).
 * - Least-pending: each command goes to the open connection with the fewest replies
 *   outstanding (pipelining makes "busy" connections still usable).
 * - Failure: a connection that closes is dropped; its slot reconnects on next use.
 *   After a failed connect the pool waits before the next attempt (exponential backoff,
 *   minBackoffMs doubling up to maxBackoffMs, pool-wide since all slots reach the same
 *   server); meanwhile calls that find no open connection fail fast with the last connect
 *   error (its code intact) instead of piling up. A successful connect resets the backoff.
 */
import type { RespArg, RespValue } from '../resp/types';
import { RedisConnection, type RedisConnectionOptions } from './connection';
import { RedisClientError } from './errors';

export interface ConnectionPoolOptions extends RedisConnectionOptions {
  /** Most connections to open. Default 4. */
  size?: number;
  /** First retry delay after a failed connect. Default 100 ms. */
  minBackoffMs?: number;
  /** Longest retry delay. Default 5 s. */
  maxBackoffMs?: number;
}

interface Slot {
  conn: RedisConnection | null;
  connecting: Promise<RedisConnection> | null;
}

export class ConnectionPool {
  private readonly slots: Slot[];
  private readonly connOptions: RedisConnectionOptions;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private closed = false;
  private failures = 0;
  private retryAt = 0;
  private lastError: RedisClientError | null = null;

  constructor(options: ConnectionPoolOptions) {
    const { size = 4, minBackoffMs = 100, maxBackoffMs = 5000, ...conn } = options;
    if (!(size >= 1)) throw new RangeError('pool size must be at least 1');
    this.connOptions = conn;
    this.minBackoffMs = minBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.slots = Array.from({ length: size }, () => ({ conn: null, connecting: null }));
  }

  /** Open (ready) connections right now. */
  get openConnections(): number {
    return this.slots.filter((s) => s.conn?.status === 'ready').length;
  }

  /** A ready connection, connecting one if needed (see the class comment for the policy). */
  async acquire(): Promise<RedisConnection> {
    if (this.closed) throw new RedisClientError('ECLOSED', 'connection pool is closed');
    let best: RedisConnection | null = null;
    for (const s of this.slots) {
      const c = s.conn;
      if (c && c.status === 'ready' && (best === null || c.pendingReplies < best.pendingReplies)) best = c;
    }
    if (best && best.pendingReplies === 0) return best;

    const idle = Date.now() >= this.retryAt ? this.slots.find((s) => !s.conn && !s.connecting) : undefined;
    if (best) {
      // Busy but usable: use it now and grow the pool in the background for later calls.
      if (idle) this.open(idle).catch(() => undefined);
      return best;
    }
    const inFlight = this.slots.find((s) => s.connecting);
    if (inFlight) return inFlight.connecting!;
    if (idle) return this.open(idle);
    throw this.lastError ?? new RedisClientError('ECONNRESET', 'no connection available');
  }

  call(...args: RespArg[]): Promise<RespValue> {
    return this.acquire().then((c) => c.call(...args));
  }

  callOrThrow(...args: RespArg[]): Promise<RespValue> {
    return this.acquire().then((c) => c.callOrThrow(...args));
  }

  pipeline(commands: readonly (readonly RespArg[])[]): Promise<RespValue[]> {
    return this.acquire().then((c) => c.pipeline(commands));
  }

  sendRaw(bytes: Buffer, replies: number): Promise<RespValue[]> {
    return this.acquire().then((c) => c.sendRaw(bytes, replies));
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns = this.slots.map((s) => s.conn).filter((c): c is RedisConnection => c !== null);
    for (const s of this.slots) s.conn = null;
    await Promise.all(conns.map((c) => c.close()));
  }

  private open(slot: Slot): Promise<RedisConnection> {
    const conn = new RedisConnection(this.connOptions);
    slot.connecting = conn
      .connect()
      .then(() => {
        slot.connecting = null;
        if (this.closed) {
          void conn.close();
          throw new RedisClientError('ECLOSED', 'connection pool is closed');
        }
        slot.conn = conn;
        this.failures = 0;
        this.retryAt = 0;
        this.lastError = null;
        conn.once('close', () => {
          if (slot.conn === conn) slot.conn = null;
        });
        return conn;
      })
      .catch((err: unknown) => {
        slot.connecting = null;
        const e = err instanceof RedisClientError ? err : new RedisClientError('ECONNRESET', String(err), { cause: err });
        if (e.code !== 'ECLOSED') {
          this.failures++;
          this.lastError = e;
          this.retryAt = Date.now() + Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (this.failures - 1));
        }
        throw e;
      });
    return slot.connecting;
  }
}
