/**
 * RedisConnection: one pipelined RESP connection over TCP or TLS.
 *
 * - Replies are matched to calls FIFO (Redis answers in order on one connection).
 * - Redis error replies resolve as `RespError` values (`callOrThrow` rejects instead).
 * - RESP3 push frames (pub/sub messages, tracking invalidations) never match a call;
 *   they go to the 'push' event.
 * - Writes issued in the same tick are corked into one syscall; `pipeline` and
 *   `sendRaw` put a whole batch in one write.
 * - A broken connection rejects every pending call at once with ECONNRESET.
 * - Single use: once closed (by either side) it stays closed and calls reject with the
 *   close error; make a new one to reconnect (ConnectionPool does this on next use).
 * - The first call on an idle connection connects it (lazy connect).
 *
 * Known gap: in RESP3 the confirmations of (P|S)SUBSCRIBE / UNSUBSCRIBE are push frames,
 * so `call('SUBSCRIBE', ...)` would never resolve; send them with `send()` and watch the
 * 'push' event. RESP2 pub/sub messages cannot be told from replies, so subscribe only over RESP3.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { RespDecoder } from '../resp/decoder';
import { encodeCommand, encodeCommands } from '../resp/encode';
import { RespError, RespPush, type RespArg, type RespLimits, type RespValue } from '../resp/types';
import { RedisClientError, type RedisErrorCode } from './errors';

export interface RedisTlsOptions {
  /** PEM CA bundle to trust (e.g. a private CA); the system store otherwise. */
  ca?: string;
  /** SNI and certificate name; defaults to `host` unless it is an IP address. */
  servername?: string;
  /** Default true. false accepts any certificate (test setups only). */
  rejectUnauthorized?: boolean;
}

export interface RedisConnectionOptions {
  host: string;
  port: number;
  tls?: boolean | RedisTlsOptions;
  username?: string;
  password?: string;
  db?: number;
  /** 2 (default) or 3 (sends HELLO 3). */
  protocol?: 2 | 3;
  /** TCP + TLS + handshake deadline. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Per call / pipeline deadline; 0 (default) waits forever. On expiry the call rejects
   * with ETIMEDOUT; its reply, if it ever comes, is discarded so FIFO matching stays right.
   */
  commandTimeoutMs?: number;
  /** Sent as CLIENT SETNAME (or HELLO SETNAME) so the connection is visible in CLIENT LIST. */
  clientName?: string;
  /** Decoder limits (defaults: see DEFAULT_LIMITS in lib/resp). */
  limits?: Partial<RespLimits>;
}

export type ConnectionStatus = 'idle' | 'connecting' | 'ready' | 'closed';

interface Pending {
  /** Replies this entry waits for (1 for call, n for pipeline / sendRaw). */
  count: number;
  /** Collected replies of a multi-reply entry; null for a single call. */
  values: RespValue[] | null;
  resolve: (v: RespValue | RespValue[]) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  /** Timed out: its replies are still consumed (to keep FIFO order) but dropped. */
  abandoned: boolean;
}

export interface RedisConnection {
  on(event: 'push', listener: (push: RespPush) => void): this;
  /** After the socket closed; `err` is set unless close() / quit() was called. */
  on(event: 'close', listener: (err: RedisClientError | undefined) => void): this;
  once(event: 'push', listener: (push: RespPush) => void): this;
  once(event: 'close', listener: (err: RedisClientError | undefined) => void): this;
}

export class RedisConnection extends EventEmitter {
  readonly options: Readonly<RedisConnectionOptions>;
  private statusValue: ConnectionStatus = 'idle';
  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private decoder: RespDecoder;
  /** FIFO of calls awaiting replies; `head` avoids O(n) shift() on long pipelines. */
  private queue: Pending[] = [];
  private head = 0;
  private outstanding = 0;
  private corked = false;
  private closeError: RedisClientError | undefined;

  constructor(options: RedisConnectionOptions) {
    super();
    this.options = { ...options };
    this.decoder = this.makeDecoder();
  }

  get status(): ConnectionStatus {
    return this.statusValue;
  }

  /** Replies still expected (across all pending calls); the pool balances on this. */
  get pendingReplies(): number {
    return this.outstanding;
  }

  private get endpoint(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Connects and runs the handshake (HELLO / AUTH / SELECT / CLIENT SETNAME). Idempotent. */
  connect(): Promise<void> {
    if (this.statusValue === 'ready') return Promise.resolve();
    if (this.statusValue === 'closed') return Promise.reject(this.closedError());
    if (!this.connecting) {
      this.connecting = this.open().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  /** Sends one command; resolves with its reply (a RespError value for error replies). */
  call(...args: RespArg[]): Promise<RespValue> {
    if (this.statusValue !== 'ready') return this.connect().then(() => this.call(...args));
    return this.enqueue(encodeCommand(args), 1, false) as Promise<RespValue>;
  }

  /** Like call, but an error reply rejects with RedisClientError code REPLY. */
  async callOrThrow(...args: RespArg[]): Promise<RespValue> {
    const v = await this.call(...args);
    if (v instanceof RespError) throw new RedisClientError('REPLY', v.message, { reply: v });
    return v;
  }

  /** Sends many commands in one write; resolves with all replies in order (errors as values). */
  pipeline(commands: readonly (readonly RespArg[])[]): Promise<RespValue[]> {
    if (commands.length === 0) return Promise.resolve([]);
    if (this.statusValue !== 'ready') return this.connect().then(() => this.pipeline(commands));
    return this.enqueue(encodeCommands(commands), commands.length, true) as Promise<RespValue[]>;
  }

  /**
   * Fast path for the copier: `bytes` holds `replies` pre-encoded commands (e.g. built
   * with encodeCommands, or RESTORE frames with raw DUMP payloads); written as is.
   */
  sendRaw(bytes: Buffer, replies: number): Promise<RespValue[]> {
    if (replies <= 0) return Promise.resolve([]);
    if (this.statusValue !== 'ready') return this.connect().then(() => this.sendRaw(bytes, replies));
    return this.enqueue(bytes, replies, true) as Promise<RespValue[]>;
  }

  /**
   * Writes a command whose replies are not matched (e.g. SUBSCRIBE under RESP3, whose
   * confirmations arrive as push frames). Only valid on a ready connection.
   */
  send(...args: RespArg[]): void {
    if (this.statusValue !== 'ready' || !this.socket) throw this.closedError();
    this.write(encodeCommand(args));
  }

  /** Destroys the socket now; pending calls reject with ECLOSED. */
  close(): Promise<void> {
    if (this.statusValue === 'closed') return Promise.resolve();
    const socket = this.socket;
    this.shutdown(new RedisClientError('ECLOSED', `connection to ${this.endpoint} closed by the client`), false);
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.destroy();
    });
  }

  /** Sends QUIT (so the server logs a clean disconnect), waits for it, then closes. */
  async quit(): Promise<void> {
    if (this.statusValue === 'ready') {
      // Redis 7.2 deprecates QUIT but still answers +OK; errors here do not matter.
      await Promise.race([this.call('QUIT').catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    await this.close();
  }

  // --- internals -------------------------------------------------------------------

  private makeDecoder(): RespDecoder {
    return new RespDecoder(
      (v) => this.onReply(v),
      (err) => this.onProtocolError(err),
      this.options.limits,
    );
  }

  private closedError(): RedisClientError {
    return this.closeError ?? new RedisClientError('ECLOSED', `connection to ${this.endpoint} is closed`);
  }

  private async open(): Promise<void> {
    this.statusValue = 'connecting';
    const o = this.options;
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    let socket: net.Socket;
    let tcpUp = false;
    let phase: 'tcp' | 'tls' | 'handshake' = 'tcp';

    await new Promise<void>((resolve, reject) => {
      const fail = (err: RedisClientError) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => {
        // TCP is up but TLS never completes: almost always a plain-TCP port (Redis waits
        // for an inline command end that never comes), so say so rather than "timeout".
        fail(phase === 'tls'
          ? new RedisClientError('TLS', `TLS handshake with ${this.endpoint} did not complete within ${timeoutMs} ms (does this port speak TLS?)`)
          : new RedisClientError('ETIMEDOUT', `connect to ${this.endpoint} timed out after ${timeoutMs} ms`));
      }, timeoutMs);

      if (o.tls) {
        const t = typeof o.tls === 'object' ? o.tls : {};
        const servername = t.servername ?? (net.isIP(o.host) ? undefined : o.host);
        socket = tls.connect({ host: o.host, port: o.port, ca: t.ca, servername, rejectUnauthorized: t.rejectUnauthorized ?? true });
        socket.once('secureConnect', () => {
          clearTimeout(timer);
          resolve();
        });
      } else {
        socket = net.connect({ host: o.host, port: o.port });
      }
      socket.once('connect', () => {
        tcpUp = true;
        if (o.tls) {
          phase = 'tls';
        } else {
          clearTimeout(timer);
          resolve();
        }
      });
      socket.once('error', (err: NodeJS.ErrnoException) => fail(this.socketError(err, tcpUp && !!o.tls && phase === 'tls')));
      this.socket = socket;
    }).catch((err) => {
      this.statusValue = 'closed';
      this.closeError = err;
      this.socket = null;
      throw err;
    });

    socket = this.socket!;
    phase = 'handshake';
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.decoder.write(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.shutdown(this.socketError(err, false), true);
    });
    socket.on('close', () => {
      this.shutdown(new RedisClientError('ECONNRESET', `connection to ${this.endpoint} closed by the server`), true);
    });

    // The handshake goes out as one pipeline; during it the queue is used directly.
    const steps = this.handshakeCommands();
    if (steps.length > 0) {
      const timer = setTimeout(() => {
        this.shutdown(new RedisClientError('ETIMEDOUT', `handshake with ${this.endpoint} timed out after ${timeoutMs} ms`), true);
      }, timeoutMs);
      try {
        const replies = (await this.enqueue(encodeCommands(steps.map((s) => s.args)), steps.length, true)) as RespValue[];
        for (let i = 0; i < steps.length; i++) {
          const r = replies[i];
          if (r instanceof RespError) throw this.handshakeError(steps[i].name, r);
        }
      } catch (err) {
        const e = err instanceof RedisClientError ? err : new RedisClientError('HANDSHAKE', String(err), { cause: err });
        this.shutdown(e, true);
        socket.destroy();
        throw e;
      } finally {
        clearTimeout(timer);
      }
    }
    this.statusValue = 'ready';
  }

  private handshakeCommands(): Array<{ name: string; args: RespArg[] }> {
    const o = this.options;
    const steps: Array<{ name: string; args: RespArg[] }> = [];
    if (o.protocol === 3) {
      const args: RespArg[] = ['HELLO', '3'];
      if (o.password !== undefined) args.push('AUTH', o.username ?? 'default', o.password);
      if (o.clientName) args.push('SETNAME', o.clientName);
      steps.push({ name: 'HELLO', args });
    } else {
      if (o.password !== undefined) {
        steps.push({ name: 'AUTH', args: o.username !== undefined ? ['AUTH', o.username, o.password] : ['AUTH', o.password] });
      }
      if (o.clientName) steps.push({ name: 'CLIENT SETNAME', args: ['CLIENT', 'SETNAME', o.clientName] });
    }
    if (o.db) steps.push({ name: 'SELECT', args: ['SELECT', o.db] });
    return steps;
  }

  private handshakeError(step: string, reply: RespError): RedisClientError {
    const code = reply.code;
    const who = this.options.username ? `user "${this.options.username}"` : 'the default user';
    if (code === 'WRONGPASS' || /invalid password|without any password configured/i.test(reply.message)) {
      return new RedisClientError('AUTH', `authentication to ${this.endpoint} failed for ${who}: ${reply.message}`, { reply });
    }
    if (code === 'NOAUTH') {
      return new RedisClientError('NOAUTH', `${this.endpoint} requires a password and none was given: ${reply.message}`, { reply });
    }
    return new RedisClientError('HANDSHAKE', `${step} refused by ${this.endpoint}: ${reply.message}`, { reply });
  }

  private socketError(err: NodeJS.ErrnoException, duringTls: boolean): RedisClientError {
    const known: RedisErrorCode[] = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET'];
    const tlsLike = duringTls || /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(err.code ?? '');
    if (tlsLike) {
      return new RedisClientError('TLS', `TLS with ${this.endpoint} failed: ${err.message}`, { cause: err });
    }
    // Anything else (EPIPE, ECONNABORTED...) means the same to callers: the connection broke.
    const code = known.includes(err.code as RedisErrorCode) ? (err.code as RedisErrorCode) : 'ECONNRESET';
    const what = code === 'ECONNREFUSED' ? 'connection refused by' : code === 'ENOTFOUND' ? 'host not found:' : 'connection error with';
    return new RedisClientError(code, `${what} ${this.endpoint} (${err.code ?? err.message})`, { cause: err });
  }

  private enqueue(bytes: Buffer, count: number, multi: boolean): Promise<RespValue | RespValue[]> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { count, values: multi ? [] : null, resolve, reject, timer: undefined, abandoned: false };
      const ms = this.options.commandTimeoutMs;
      if (ms && ms > 0) {
        entry.timer = setTimeout(() => {
          entry.abandoned = true;
          entry.reject(new RedisClientError('ETIMEDOUT', `command to ${this.endpoint} timed out after ${ms} ms`));
        }, ms);
      }
      this.queue.push(entry);
      this.outstanding += count;
      this.write(bytes);
    });
  }

  private write(bytes: Buffer): void {
    const socket = this.socket!;
    // Cork for the rest of this tick so many call()s made together leave in one write.
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(bytes);
  }

  private onReply(v: RespValue): void {
    if (v instanceof RespPush) {
      this.emit('push', v);
      return;
    }
    const entry = this.queue[this.head];
    if (entry === undefined) {
      this.onProtocolError(new Error('reply without a pending command'));
      return;
    }
    this.outstanding--;
    if (entry.values === null) {
      this.dequeue();
      if (!entry.abandoned) entry.resolve(v);
      return;
    }
    entry.values.push(v);
    if (entry.values.length === entry.count) {
      this.dequeue();
      if (!entry.abandoned) entry.resolve(entry.values);
    }
  }

  private dequeue(): void {
    const entry = this.queue[this.head];
    if (entry.timer) clearTimeout(entry.timer);
    this.queue[this.head++] = undefined as unknown as Pending;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private onProtocolError(err: Error): void {
    this.shutdown(new RedisClientError('PROTOCOL', `bad reply from ${this.endpoint}: ${err.message}`, { cause: err }), true);
    this.socket?.destroy();
  }

  /** The one place the connection leaves service: rejects everything pending, once. */
  private shutdown(err: RedisClientError, emitError: boolean): void {
    if (this.statusValue === 'closed') return;
    this.statusValue = 'closed';
    this.closeError = err;
    const pending = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    this.outstanding = 0;
    for (const p of pending) {
      if (p.timer) clearTimeout(p.timer);
      if (!p.abandoned) p.reject(err);
    }
    this.socket?.destroy();
    this.emit('close', emitError ? err : undefined);
  }
}
