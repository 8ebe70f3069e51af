/**
 * Link: a self-healing connection to one (endpoint, db). `conn()` hands out the live
 * connection and opens a new one when the previous one closed, so a batch retried after
 * a server restart simply asks again. `reset()` drops the current one (after a timeout,
 * whose late replies must not be matched to new calls — RedisConnection already discards
 * them, but a fresh socket also clears a server stuck mid-reply).
 */
import { RedisConnection, type RedisConnectionOptions } from '../redis/connection';
import { targetConnectionOptions } from '../redis/target';
import { RespError, RespVerbatim, type RespArg, type RespLimits, type RespValue } from '../resp/types';
import { TransientError } from './errors';
import type { RedisTarget } from './types';

export function connectionOptions(t: RedisTarget, db: number, clientName: string, limits?: Partial<RespLimits>): RedisConnectionOptions {
  return targetConnectionOptions(t, limits ? { db, clientName, limits } : { db, clientName });
}

export class Link {
  private current: RedisConnection | null = null;
  private closed = false;
  /** The connection whose run_id was last reported (several callers may await one connect). */
  private reported: RedisConnection | null = null;

  /**
   * Called with the server's run_id after every new connection; `reconnected` when an
   * earlier connection of this link had been reported (a reconnect after a loss). A
   * changed run_id means the server restarted: SCAN cursors of the old process mean
   * nothing to the new one (its hash seed is random per start), and a target may have
   * come back without the keys copied to it.
   */
  onRunId: ((runId: string, reconnected: boolean) => void) | undefined;

  constructor(
    readonly target: RedisTarget,
    readonly db: number,
    private readonly clientName: string,
    /** Decoder limits of this link's connections (the guarded DUMP link caps bulk length). */
    private readonly limits?: Partial<RespLimits>,
  ) {}

  async conn(): Promise<RedisConnection> {
    if (this.closed) throw new TransientError('link closed');
    let c = this.current;
    if (!c || c.status === 'closed') {
      c = new RedisConnection(connectionOptions(this.target, this.db, this.clientName, this.limits));
      c.on('close', () => undefined); // errors surface through the pending calls
      this.current = c;
    }
    const fresh = c.status !== 'ready';
    await c.connect();
    if (fresh && this.onRunId && this.reported !== c) {
      const reconnected = this.reported !== null;
      this.reported = c;
      this.onRunId(await runIdOf(c), reconnected);
    }
    return c;
  }

  async call(...args: RespArg[]): Promise<RespValue> {
    return (await this.conn()).call(...args);
  }

  /** Like call but error replies throw (transient ones as TransientError). */
  async callOk(...args: RespArg[]): Promise<RespValue> {
    const v = await this.call(...args);
    if (v instanceof RespError) {
      throw v.code === 'LOADING' || v.code === 'BUSY' || v.code === 'MASTERDOWN' || v.code === 'TRYAGAIN'
        ? new TransientError(`${String(args[0])}: ${v.message}`)
        : new ReplyError(v, String(args[0]));
    }
    return v;
  }

  async pipeline(cmds: readonly (readonly RespArg[])[]): Promise<RespValue[]> {
    return (await this.conn()).pipeline(cmds);
  }

  async sendRaw(bytes: Buffer, replies: number): Promise<RespValue[]> {
    return (await this.conn()).sendRaw(bytes, replies);
  }

  reset(): void {
    const c = this.current;
    this.current = null;
    if (c) void c.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.current;
    this.current = null;
    if (c) await c.close();
  }
}

/** An error reply raised by Link.callOk (not transient). */
export class ReplyError extends Error {
  constructor(
    readonly reply: RespError,
    command: string,
  ) {
    super(`${command}: ${reply.message}`);
    this.name = 'ReplyError';
  }
}

/** INFO keyspace -> { db: keys }. */
export async function keyspace(link: Link): Promise<Record<number, number>> {
  const info = await link.callOk('INFO', 'keyspace');
  const text = replyText(info);
  const out: Record<number, number> = {};
  for (const m of text.matchAll(/^db(\d+):keys=(\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}

/** The server's run_id (INFO server), '' when it cannot be read. */
export async function runIdOf(c: { call(...args: RespArg[]): Promise<RespValue> }): Promise<string> {
  const v = await c.call('INFO', 'server');
  if (v instanceof RespError) return '';
  return /run_id:([0-9a-f]+)/.exec(replyText(v))?.[1] ?? '';
}

/** Text of an INFO-like reply: a bulk string in RESP2, a verbatim string in RESP3. */
export function replyText(v: RespValue): string {
  if (v instanceof RespVerbatim) return v.text;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return String(v);
}
