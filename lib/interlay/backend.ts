/**
 * One connection to a backend Redis (an Upstream): shared (many clients multiplexed,
 * pipelined) or dedicated to one owner while it holds connection state.
 *
 * Replies are matched to requests by a FIFO ring of parallel typed arrays (sink, flags,
 * argument, timestamps): no object, closure or promise per command. Each reply goes to the
 * `ReplySink` that sent the request (a client session, or a mirror writer). Requests are
 * gathered in `out` and written once per event-loop turn by the engine (`flush`).
 *
 * The handshake (HELLO/AUTH with the connection's identity, SELECT, INFO once, CLIENT ID on
 * dedicated conns) is pipelined first; commands queued meanwhile are held back until it
 * succeeded, so a failed SELECT can never let a client's write land in the wrong database.
 */
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ReplyFramer, encodeCommand, RespType, FrameParser, RespMap, type RespLimits } from '@/lib/resp';
import { targetTlsOptions } from '@/lib/redis/target';
import type { Logger } from '@/lib/logger';
import type { BackendTarget } from './types';
import type { InterlayCounters } from './metrics';
import { OutQueue } from './outq';
import { backendOnRead, onDataEvents } from './io';

export const F_SELECT = 1;
export const F_BLOCKING = 2;
/** Reply is swallowed (an internal barrier or protocol switch on a dedicated conn). */
export const F_SWALLOW = 4;
export const F_BARRIER = 8;
/** Handshake step: an error reply fails the connection. */
export const F_HANDSHAKE = 16;
export const F_INFO = 32;
/** Handshake step whose error reply is tolerated (CLIENT ID on servers without it). */
export const F_SOFT = 64;
/** Handshake CLIENT ID: the reply is this connection's id on the server. */
export const F_CLIENT_ID = 128;
/** Bits from here up are the sender's own (the ring keeps 16 bits of flags per request). */
export const F_SENDER_BASE = 256;

export type BackendState = 'idle' | 'connecting' | 'ready' | 'down' | 'closed';

/**
 * Whoever sent a request gets its reply (in order) through this. Sessions implement it;
 * so do mirror writers, whose replies never reach a client.
 */
export interface ReplySink {
  /** Replies to a closed sink are dropped. */
  readonly closed: boolean;
  /** The reply to one request: bytes [start, end) of buf, valid only during the call. */
  onReply(buf: Buffer, start: number, end: number, type: number, flags: number, arg: number): void;
  /** No reply will come (connection lost, timeout, down): `line` is the error reply standing in for it. */
  onReplyFailed(line: Buffer, flags: number, arg: number): void;
}

/** The owner of a dedicated connection: also gets what is not a reply on it. */
export interface ConnOwner extends ReplySink {
  /** False while waiting on the server is normal (subscribed, MONITOR): no command timeout applies. */
  readonly timesOut: boolean;
  /** A frame that may not be a reply (pub/sub message or confirmation, RESP3 push); true when it was delivered as such. */
  onDedicatedFrame(buf: Buffer, start: number, end: number, type: number): boolean;
  /** A frame while nothing is pending (MONITOR output, invalidations on RESP2 redirect targets). */
  onUnsolicited(buf: Buffer, start: number, end: number): void;
  /** The connection broke; its pending requests already got onReplyFailed. */
  onDedicatedLost(conn: BackendConn): void;
}

/**
 * Credentials a connection authenticates with. `key` '' is the endpoint's own identity
 * (the target's username/password); a client that authenticated against the backend gets
 * an identity of its own (see Upstream), so its traffic runs with its own ACL permissions.
 * PROBE connects without any AUTH or SELECT: it only carries a client's AUTH for checking.
 */
export interface Identity {
  readonly key: string;
  readonly username?: string;
  readonly password?: Buffer;
}

export const ENDPOINT_IDENTITY: Identity = Object.freeze({ key: '' });
export const PROBE_IDENTITY: Identity = Object.freeze({ key: '\0probe' });

/** What a connection needs from the Upstream it belongs to. */
export interface ConnHost {
  /** 'source', 'target' or 'mirror:<name>'. */
  readonly name: string;
  readonly log: Logger;
  readonly counters: InterlayCounters;
  readonly serverInfo: ServerInfo | undefined;
  setServerInfo(info: ServerInfo): void;
  markBackendDirty(c: BackendConn): void;
  /** After each read: replies it completed go to their clients. */
  afterBackendRead(): void;
  onBackendDrain(c: BackendConn): void;
  onBackendState(): void;
  onDedicatedClosed(c: BackendConn): void;
  /** Writes replies gathered for clients now (after failing pending requests). */
  flushClients(): void;
  /** A new connection's group number (unique within the interlay; 0 and 1 are reserved). */
  nextGroup(): number;
  /** Gives a dedicated connection back (idle list when clean, closed otherwise). */
  releaseDedicated(c: BackendConn, clean: boolean): void;
}

const INITIAL_RING = 1024;
const MAX_BACKOFF_MS = 2000;

export interface ServerInfo {
  server: string;
  version: string;
  mode: string;
  /** Changes when the server restarts: data it held in memory only may be gone. */
  runId: string;
}

export class BackendConn {
  state: BackendState = 'idle';
  /** The owner a dedicated connection serves; null for shared or idle dedicated ones. */
  owner: ConnOwner | null = null;
  /** A dedicated conn that carried pub/sub or sticky state: closed, not reused, on release. */
  tainted = false;
  lastError = '';
  /** This connection's CLIENT ID on the server (dedicated conns; -1 until known or unsupported). */
  backendId = -1;
  /**
   * Its number among the interlay's connections: the KeyCoordinator's *group* (replies on
   * one connection come back in the order the server applied its commands).
   */
  readonly group: number;

  private socket: net.Socket | null = null;
  private framer: ReplyFramer;
  private owners: (ReplySink | null)[];
  private flags: Uint16Array;
  private args: Int32Array;
  private tQueued: Float64Array;
  private tSent: Float64Array;
  private mask: number;
  private head = 0;
  count = 0;
  /** Entries at the tail not yet written (their tSent is stamped at flush). */
  private unsent = 0;
  /** Requests gathered this turn (copied out of client reads; one contiguous buffer). */
  private readonly out = new OutQueue(true);
  dirty = false;
  private handshakeLeft = 0;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private connectTimer: NodeJS.Timeout | null = null;
  /** Time of the current 'data' event (one clock read per chunk, not per reply). */
  private tNow = 0;
  /** Cached error line for the current outage: built once, sent to every failed command. */
  private downReply: Buffer = Buffer.alloc(0);

  constructor(
    private readonly host: ConnHost,
    readonly proto: 2 | 3,
    readonly dedicated: boolean,
    private readonly target: BackendTarget,
    limits: Partial<RespLimits> | undefined,
    readonly identity: Identity = ENDPOINT_IDENTITY,
  ) {
    this.group = host.nextGroup();
    // Replies are Redis's own: frame whatever it sends (trusted), and a reply too big to
    // hold fails only the request it answers (onOversize), never the shared connection.
    this.framer = new ReplyFramer(
      (buf, start, end, type) => this.onFrame(buf, start, end, type),
      (err) => this.fail(`protocol error from backend: ${err.message}`, 'backend_down'),
      limits,
      { trusted: true, onOversize: (type, bytes) => this.onOversize(type, bytes, limits) },
    );
    this.mask = INITIAL_RING - 1;
    this.owners = new Array<ReplySink | null>(INITIAL_RING).fill(null);
    this.flags = new Uint16Array(INITIAL_RING);
    this.args = new Int32Array(INITIAL_RING);
    this.tQueued = new Float64Array(INITIAL_RING);
    this.tSent = new Float64Array(INITIAL_RING);
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** The upstream this connection belongs to. */
  get upstream(): ConnHost {
    return this.host;
  }

  /** The migration side it writes: the target's upstream is 'target', everything else the source or a mirror. */
  get isTarget(): boolean {
    return this.host.name === 'target';
  }

  /** Whether a command may be queued now: connected or (re)connecting, not between attempts. */
  get accepting(): boolean {
    return this.state === 'ready' || this.state === 'connecting';
  }

  connect(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    this.framer.reset();
    const t = this.target;
    const onChunk = (buf: Buffer, start: number, end: number) => {
      if (this.socket !== sock) return;
      this.tNow = performance.now();
      this.framer.write(buf, start, end);
      this.host.afterBackendRead();
    };
    // Plain TCP is read into the shared read buffer (io.ts); TLS by 'data' events.
    const sock = t.tls
      ? tls.connect({ host: t.host, port: t.port, ...targetTlsOptions(t), servername: t.tlsOptions?.server_name ?? (net.isIP(t.host) ? undefined : t.host) })
      : net.connect({ host: t.host, port: t.port, onread: backendOnRead(onChunk) });
    if (t.tls) onDataEvents(sock, onChunk);
    this.socket = sock;
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 30_000);
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.socket === sock && this.state === 'connecting') this.fail(`connect timeout after ${t.connectTimeoutMs} ms`, 'timeout');
    }, t.connectTimeoutMs);
    this.connectTimer.unref();
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (this.socket === sock) this.fail(err.code ?? err.message, 'backend_down');
    });
    sock.on('close', () => {
      if (this.socket === sock) this.fail('connection closed by backend', 'backend_down');
    });
    sock.on('drain', () => this.host.onBackendDrain(this));
    this.writeHandshake(sock);
  }

  private writeHandshake(sock: net.Socket): void {
    const t = this.target;
    const id = this.identity;
    const cmds: (string | number | Buffer)[][] = [];
    const hsFlags: number[] = [];
    if (id !== PROBE_IDENTITY) {
      const user = id.key === '' ? t.username : id.username;
      const pass = id.key === '' ? t.password : id.password;
      if (this.proto === 3) {
        cmds.push(pass !== undefined && pass.length > 0 ? ['HELLO', 3, 'AUTH', user || 'default', pass] : ['HELLO', 3]);
        hsFlags.push(F_HANDSHAKE);
      } else if (pass !== undefined && pass.length > 0) {
        cmds.push(user ? ['AUTH', user, pass] : ['AUTH', pass]);
        hsFlags.push(F_HANDSHAKE);
      }
      if (t.db !== 0) {
        cmds.push(['SELECT', t.db]);
        hsFlags.push(F_HANDSHAKE);
      }
      if (this.dedicated) {
        cmds.push(['CLIENT', 'ID']);
        hsFlags.push(F_HANDSHAKE | F_SOFT | F_CLIENT_ID);
      }
    }
    // Every shared conn of the endpoint's identity asks (one cheap command per connect): a
    // changed run_id is how a restart of the server shows. A client's own identity may not
    // be allowed INFO, and does not need it.
    if (!this.dedicated && id.key === '') {
      cmds.push(['INFO', 'server']);
      hsFlags.push(F_HANDSHAKE | F_INFO);
    }
    // Handshake entries go before anything queued while disconnected: rebuild the ring head.
    const queued = this.count;
    if (queued > 0) throw new Error('BUG: handshake with queued entries');
    for (const f of hsFlags) this.push(null, f, 0, 0);
    this.unsent = 0;
    this.handshakeLeft = cmds.length;
    if (cmds.length > 0) {
      sock.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
    } else {
      sock.once(t.tls ? 'secureConnect' : 'connect', () => this.onReady());
    }
  }

  private onReady(): void {
    if (this.state !== 'connecting') return;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.state = 'ready';
    if (this.attempts > 0) this.host.log.info({ dedicated: this.dedicated, proto: this.proto }, 'backend connection restored');
    this.attempts = 0;
    this.lastError = '';
    this.host.onBackendState();
    if (this.out.length > 0) this.flush(performance.now());
  }

  private push(owner: ReplySink | null, flags: number, arg: number, tQueued: number): void {
    if (this.count > this.mask) this.grow();
    const i = (this.head + this.count) & this.mask;
    this.owners[i] = owner;
    this.flags[i] = flags;
    this.args[i] = arg;
    this.tQueued[i] = tQueued;
    this.count++;
    this.unsent++;
  }

  private grow(): void {
    const cap = this.mask + 1;
    const owners = new Array<ReplySink | null>(cap * 2).fill(null);
    const flags = new Uint16Array(cap * 2);
    const args = new Int32Array(cap * 2);
    const tq = new Float64Array(cap * 2);
    const ts = new Float64Array(cap * 2);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & this.mask;
      owners[k] = this.owners[i];
      flags[k] = this.flags[i];
      args[k] = this.args[i];
      tq[k] = this.tQueued[i];
      ts[k] = this.tSent[i];
    }
    this.owners = owners;
    this.flags = flags;
    this.args = args;
    this.tQueued = tq;
    this.tSent = ts;
    this.head = 0;
    this.mask = cap * 2 - 1;
  }

  /**
   * Queues a command expecting one reply. Returns false when the backend is down between
   * reconnect attempts: the caller answers the client with `downReply` at once.
   */
  send(owner: ReplySink, buf: Buffer, start: number, end: number, flags: number, arg: number, tQueued: number): boolean {
    if (!this.accepting) return false;
    this.push(owner, flags, arg, tQueued);
    this.queueBytes(buf, start, end);
    return true;
  }

  /** Queues bytes that get no reply of their own (the subscribe family: confirmations are pub/sub frames). */
  sendNoReply(buf: Buffer, start: number, end: number): boolean {
    if (!this.accepting) return false;
    this.queueBytes(buf, start, end);
    return true;
  }

  private queueBytes(buf: Buffer, start: number, end: number): void {
    this.out.pushRange(buf, start, end);
    if (!this.dirty) {
      this.dirty = true;
      this.host.markBackendDirty(this);
    }
  }

  /** The error line for commands refused while down. */
  get unavailableReply(): Buffer {
    if (this.downReply.length === 0) {
      this.downReply = Buffer.from(`-ERR interlay: backend unavailable (${this.lastError || 'not connected'})\r\n`);
    }
    return this.downReply;
  }

  /** Bytes queued in the kernel-side write buffer (for backpressure). */
  get writableLength(): number {
    return this.socket?.writableLength ?? 0;
  }

  /** Writes what was gathered this turn in one (v)write; holds it while the handshake runs. */
  flush(now: number): void {
    this.dirty = false;
    if (this.state !== 'ready' || this.out.length === 0 || this.socket === null) return;
    for (let k = this.count - this.unsent; k < this.count; k++) this.tSent[(this.head + k) & this.mask] = now;
    this.unsent = 0;
    this.out.writeTo(this.socket);
  }

  /** Age in ms of the oldest unanswered command that is not a blocking call; -1 when none. */
  oldestAge(now: number): number {
    if (this.count === 0 || this.state !== 'ready' || this.unsent === this.count) return -1;
    const i = this.head;
    if (this.flags[i] & F_BLOCKING) return -1;
    return now - this.tSent[i];
  }

  private onFrame(buf: Buffer, start: number, end: number, type: number): void {
    const owner = this.owner;
    if (owner !== null) {
      // Dedicated: pub/sub and push frames are not replies; they go straight to the client.
      if (owner.onDedicatedFrame(buf, start, end, type)) return;
      if (this.count === 0) {
        owner.onUnsolicited(buf, start, end);
        return;
      }
    } else if (type === RespType.Push) {
      return; // a shared conn never subscribes or tracks; nothing to deliver a push to
    }
    if (this.count === 0) {
      this.fail('reply without a request (protocol desync)', 'backend_down');
      return;
    }
    const i = this.head;
    const o = this.owners[i];
    const f = this.flags[i];
    const a = this.args[i];
    const tq = this.tQueued[i];
    const ts = this.tSent[i];
    this.owners[i] = null;
    this.head = (i + 1) & this.mask;
    this.count--;
    if (f & F_HANDSHAKE) {
      this.onHandshakeReply(buf.subarray(start, end), type, f);
      return;
    }
    const c = this.host.counters;
    c.backendLatency.record((this.tNow - ts) * 1000);
    c.proxyLatency.record((this.tNow - tq) * 1000);
    if (o === null || o.closed) return; // the client went away: drop its reply
    o.onReply(buf, start, end, type, f, a);
  }

  /** A reply too big to hold (see the framer's onOversize): its request gets an error instead. */
  private onOversize(type: number, bytes: number, limits: Partial<RespLimits> | undefined): void {
    const limit = limits?.maxFrameBytes ?? 1024 * 1024 * 1024;
    const line = Buffer.from(`-ERR interlay: reply of ${bytes} bytes is larger than the interlay's limit of ${limit} bytes\r\n`);
    this.host.log.warn({ bytes, limit, type: String.fromCharCode(type) }, 'backend reply too large, dropped');
    this.onFrame(line, 0, line.length, RespType.Error);
  }

  private onHandshakeReply(raw: Buffer, type: number, f: number): void {
    if (f & F_SOFT) {
      if (f & F_CLIENT_ID && type === RespType.Integer) this.backendId = Number(raw.toString('latin1', 1, raw.length - 2));
      if (--this.handshakeLeft === 0) this.onReady();
      return;
    }
    if (type === RespType.Error || type === RespType.BlobError) {
      const msg = raw.toString('utf8', 1, Math.min(raw.length, 300)).trim();
      this.host.log.error({ dedicated: this.dedicated, proto: this.proto, reply: msg }, 'backend handshake failed');
      this.fail(`handshake failed: ${msg}`, 'backend_down');
      return;
    }
    if (f & F_INFO) this.host.setServerInfo(parseInfo(raw));
    if (--this.handshakeLeft === 0) this.onReady();
  }

  /**
   * The connection broke (or timed out): every pending command gets an error reply now,
   * then a shared conn reconnects with backoff and a dedicated one is dropped.
   */
  fail(reason: string, kind: 'backend_down' | 'timeout'): void {
    if (this.state === 'closed' || this.state === 'down') return;
    const wasReady = this.state === 'ready';
    this.lastError = reason;
    this.downReply = Buffer.alloc(0);
    this.teardownSocket();
    if (wasReady || this.attempts === 0) {
      this.host.log.warn({ dedicated: this.dedicated, proto: this.proto, reason, pending: this.count }, 'backend connection lost');
    }
    this.state = this.dedicated ? 'closed' : 'down';
    const line =
      kind === 'timeout'
        ? Buffer.from(`-ERR interlay: backend timeout (${reason})\r\n`)
        : Buffer.from(`-ERR interlay: backend connection lost (${reason})\r\n`);
    this.failPending(line, kind);
    this.host.onBackendState();
    if (this.dedicated) {
      const owner = this.owner;
      this.owner = null;
      this.host.onDedicatedClosed(this);
      if (owner !== null && !owner.closed) owner.onDedicatedLost(this);
    } else {
      const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** this.attempts) * (0.75 + Math.random() * 0.5);
      this.attempts++;
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        if (this.state === 'down') this.connect();
      }, delay);
      this.reconnectTimer.unref();
    }
  }

  private failPending(line: Buffer, kind: 'backend_down' | 'timeout'): void {
    this.out.clear();
    this.unsent = 0;
    const errors = this.host.counters.errors;
    while (this.count > 0) {
      const i = this.head;
      const o = this.owners[i];
      const f = this.flags[i];
      const a = this.args[i];
      this.owners[i] = null;
      this.head = (i + 1) & this.mask;
      this.count--;
      if (o !== null && !o.closed) {
        errors[kind]++;
        o.onReplyFailed(line, f, a);
      }
    }
    this.head = 0;
    this.host.flushClients();
  }

  private teardownSocket(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s !== null) s.destroy();
    this.framer.reset();
  }

  /** Closes for good (interlay stop, or a released dedicated conn). Pending replies are dropped. */
  close(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.state = 'closed';
    this.owner = null;
    this.teardownSocket();
    for (let k = 0; k < this.count; k++) this.owners[(this.head + k) & this.mask] = null;
    this.count = 0;
    this.head = 0;
    this.unsent = 0;
    this.out.clear();
  }
}

function parseInfo(raw: Buffer): ServerInfo {
  let text = '';
  try {
    const v = new FrameParser({ attributes: 'drop' }).parse(raw);
    if (Buffer.isBuffer(v)) text = v.toString('utf8');
    else if (typeof v === 'string') text = v;
    else if (v instanceof RespMap) text = '';
    else if (v !== null && typeof v === 'object' && 'data' in v) text = (v as { data: Buffer }).data.toString('utf8');
  } catch {
    // Leave the defaults.
  }
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
  return {
    server: field('valkey_version') ? 'valkey' : 'redis',
    version: field('redis_version') ?? field('valkey_version') ?? '0.0.0',
    mode: field('redis_mode') ?? field('server_mode') ?? 'standalone',
    runId: field('run_id') ?? '',
  };
}
