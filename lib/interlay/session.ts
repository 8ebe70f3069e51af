/**
 * One client connection and its protocol state machine.
 *
 * States (derived from flags, see `hasState`):
 *   shared     — no connection state: commands go to the session's shared backend conn
 *                (one of `poolSize`, per protocol and identity), pipelined with every
 *                other client's.
 *   dedicated  — MULTI/WATCH, a blocking call in flight, subscribed, a non-default db, or a
 *                sticky mode: commands go to a backend conn of its own. Released when the
 *                state ends (EXEC/DISCARD/UNWATCH, blocking reply, unsubscribed from all,
 *                SELECT back to the default db).
 *   pinned     — a sticky mode (CLIENT ID, CLIENT TRACKING ON, CLIENT NO-EVICT/NO-TOUCH ON,
 *                CLIENT CACHING, MONITOR, READONLY/READWRITE/ASKING, SELECT inside MULTI):
 *                the dedicated conn stays until the client disconnects or sends RESET, and
 *                the session reports that connection's real CLIENT ID as its own.
 *
 * Ordering invariant: replies reach the client in command order. Each backend conn answers
 * in order, so the session only has to avoid having replies outstanding on two places at
 * once: a command that needs another destination (or a locally answered command) waits —
 * the session queues it and pauses reading — until `inflight` drops to 0. On a pub/sub conn
 * the subscribe family produces no 1:1 replies, so "all earlier output delivered" is proven
 * by a swallowed PING barrier instead.
 *
 * Ending: every way a session ends goes through `endAfterFlush` (QUIT, protocol error,
 * CLIENT KILL, the client's half-close once its replies are out) or a socket close, and
 * `onClosed` releases what it holds. Like Redis, a closing session writes what it owes and
 * then closes the connection (never a half-close that leaves a writer blocked).
 */
import { createHash } from 'node:crypto';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  commandTable,
  isBlockingCall,
  isConnectionAffine,
  setById,
  UNKNOWN_COMMAND,
  type CommandInfo,
} from '@/lib/commands';
import { encodeCommand, encodeReply, RequestFramer, RespMap, RespType, type RespCommand, type RespValue } from '@/lib/resp';
import {
  ENDPOINT_IDENTITY,
  F_BARRIER,
  F_BLOCKING,
  F_SELECT,
  F_SENDER_BASE,
  F_SWALLOW,
  type BackendConn,
  type ConnOwner,
  type Identity,
} from './backend';
import {
  formatClientLine,
  killMatches,
  listMatches,
  parseKillArgs,
  parseListArgs,
  type ClientRow,
} from './client-admin';
import { CommandPolicy } from './command-policy';
import type { Engine } from './engine';
import { F_MIRROR } from './mirror';
import { OutQueue } from './outq';
import { ShadowReads } from './shadow';
import { peekPubsub, PS_NONE, PS_SSUBSCRIBE, PS_SUBSCRIBE, PS_SUNSUBSCRIBE, PS_UNSUBSCRIBE } from './pubsub-frame';
import { rewriteInfoPort } from './rewrite';
import type { CommandView, SessionView } from './types';
import type { RoutedSession } from './routing';
import type { Upstream } from './upstream';

const K_PLAIN = 0;
const K_LOCAL = 1;
const K_SELECT = 2;
const K_TX_BEGIN = 3;
const K_TX_END = 4;
const K_SUB = 5;
const K_BLOCKING = 6;
const K_AFFINE = 7;
const K_INFO = 8;
const K_REPLICATION = 9;

/** Flags of this session's requests (above the connection's own, see backend.ts). */
/** The reply says whether credentials the client sent hold on the backend (AUTH / HELLO AUTH). */
const F_AUTH_CHECK = F_SENDER_BASE;
/** INFO whose `tcp_port` is rewritten to the interlay's port. */
const F_INFO_PORT = F_SENDER_BASE << 1;
/** A read also sent to the target for comparison (arg = shadow id); F_MIRROR is F_SENDER_BASE << 2. */
const F_SHADOW = F_SENDER_BASE << 3;
/** The client's reply to this mirrored write waits for the other side (wait policies, canary readers). */
const F_WAIT = F_SENDER_BASE << 4;
/** The reply is replaced by a nil (an EXEC turned into DISCARD after a primary switch aborted the transaction). */
const F_AS_NIL = F_SENDER_BASE << 5;

/** Answered (or translated) by the interlay itself. */
const LOCAL = new Set([
  'auth', 'hello', 'quit', 'reset',
  'client|setname', 'client|getname', 'client|id', 'client|setinfo', 'client|reply',
  'client|list', 'client|info', 'client|kill', 'client|unblock',
]);
/** What an unauthenticated client may send (as Redis allows). */
const AUTH_FREE = new Set(['auth', 'hello', 'quit', 'reset']);
const AFFINE_CHECK = new Set([
  'monitor', 'readonly', 'readwrite', 'asking',
  'client|caching', 'client|tracking', 'client|no-evict', 'client|no-touch',
]);
/** Replication streams are not proxied (see README: what differs through an interlay). */
const REPLICATION = new Set(['sync', 'psync', 'replconf']);

/** Kind per CommandInfo.id, filled on first use (-1: not yet). */
const kinds: number[] = [];
function kindOf(info: CommandInfo): number {
  const id = info.id;
  const cached = kinds[id];
  if (cached !== undefined && cached >= 0) return cached;
  let k: number;
  const n = info.name;
  if (LOCAL.has(n)) k = K_LOCAL;
  else if (n === 'select') k = K_SELECT;
  else if (n === 'multi' || n === 'watch') k = K_TX_BEGIN;
  else if (n === 'exec' || n === 'discard' || n === 'unwatch') k = K_TX_END;
  else if (info.isSubscribe) k = K_SUB;
  else if (info.isBlocking) k = K_BLOCKING;
  else if (AFFINE_CHECK.has(n)) k = K_AFFINE;
  else if (n === 'info') k = K_INFO;
  else if (REPLICATION.has(n)) k = K_REPLICATION;
  else k = K_PLAIN;
  setById(kinds, id, k, -1);
  return k;
}

const OK = Buffer.from('+OK\r\n');
const RESET_REPLY = Buffer.from('+RESET\r\n');
const NULL2 = Buffer.from('$-1\r\n');
const NULL3 = Buffer.from('_\r\n');
const ZERO = Buffer.from(':0\r\n');
const NIL_ARRAY2 = Buffer.from('*-1\r\n');
const DISCARD = encodeCommand(['DISCARD']);
const UNWATCH = encodeCommand(['UNWATCH']);
const PING = encodeCommand(['PING']);
const NOAUTH = Buffer.from('-NOAUTH Authentication required.\r\n');
const NOAUTH_HELLO = Buffer.from(
  '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
);
const WRONGPASS = Buffer.from('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
const NOPROTO = Buffer.from('-NOPROTO unsupported protocol version\r\n');
const BAD_NAME = Buffer.from('-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
const SYNTAX = Buffer.from('-ERR syntax error\r\n');
const NO_SUCH_CLIENT = Buffer.from('-ERR No such client\r\n');
const NO_REDIRECT_TARGET = Buffer.from('-ERR The client ID you want redirect to does not exist\r\n');
const NO_REPLICATION = Buffer.from(
  '-ERR interlay: replication (SYNC/PSYNC/REPLCONF) is not proxied; connect replicas and replication-based tools to the server directly\r\n',
);
const DEDICATED_LOST = 'backend connection holding this client\'s state was lost';

/** Replies gathered for a client beyond this are written without waiting for the rest. */
const HOLD_MAX_BYTES = 64 * 1024;

/** Pause a client's input while its backend conn has this much unsent. */
const BACKEND_HIGH_WATER = 64 * 1024 * 1024;

function arityError(name: string): Buffer {
  return Buffer.from(`-ERR wrong number of arguments for '${name}' command\r\n`);
}

function errorLine(text: string): Buffer {
  return Buffer.from(`-${text.replace(/[\r\n]/g, ' ')}\r\n`);
}

export function credentialDigest(user: string, password: string | Buffer): Buffer {
  return createHash('sha256').update(user).update('\0').update(password).digest();
}

/** The identity of a client that authenticated against the backend with these credentials. */
function backendIdentity(user: string, pass: Buffer): Identity {
  return { key: `${user}\0${credentialDigest(user, pass).toString('hex')}`, username: user, password: Buffer.from(pass) };
}

/** How the session authenticated. */
const AUTH_NONE = 0;
/** With the interlay's own users: traffic runs with the endpoint's identity. */
const AUTH_LOCAL = 1;
/** Checked by the backend: traffic runs with the client's own identity. */
const AUTH_BACKEND = 2;

/** A HELLO waiting for its AUTH to be checked by the backend. */
interface PendingHello {
  proto: 2 | 3;
  setname: Buffer | undefined;
}

export class Session implements SessionView, ConnOwner, RoutedSession {
  /** The interlay's own id for this client (SESSION_ID_BASE + n; see `clientId`). */
  readonly id: number;
  closed = false;
  /** Last input, in engine clock ms (coarse). */
  lastActive: number;
  private readonly connectedAt: number;
  protocol: 2 | 3 = 2;
  db: number;
  name: string | null = null;
  /** The user the client authenticated as (interlay user or backend ACL user); null before AUTH. */
  user: string | null = null;
  authed: boolean;
  /** sha256 of the credentials this session authenticated with locally (re-checked when auth settings change). */
  authDigest: Buffer | null = null;
  private authKind = AUTH_NONE;
  /** Whose credentials this session's backend connections use. */
  private identity: Identity = ENDPOINT_IDENTITY;

  private closing = false;
  private shared: BackendConn;
  private dedicated: BackendConn | null = null;
  private dest: BackendConn | null = null;
  /** Replies outstanding on `dest`; the session only switches destination at 0. */
  inflight = 0;

  private inMulti = false;
  private multiQueued = 0;
  private watching = false;
  blocking = 0;
  subscribed = false;
  /** The upstream this session's subscriptions live on (PUBLISH reaches every upstream with subscribers). */
  private subscribedOn: Upstream | null = null;
  monitor = false;
  /** Pinned (see the header): keeps its dedicated conn and reports that conn's id. */
  private sticky = false;
  private tracking = false;
  private redirectTo = -1;
  private pendingSubConfirms = 0;
  private normalSubs = 0;
  private shardSubs = 0;
  /** False after a subscribe-family command until a barrier PING came back. */
  private subSynced = true;
  private barrierSent = false;
  private pubsubUsed = false;

  /** CLIENT REPLY OFF; SKIP mutes only the next command. `muted` holds for the command being routed. */
  private replyOff = false;
  private skipNext = false;
  private muted = false;
  private libName = '';
  private libVer = '';
  private lastCommand: CommandInfo = UNKNOWN_COMMAND;
  private pendingHello: PendingHello | null = null;
  private pendingIdentity: Identity | null = null;
  private probeConn: BackendConn | null = null;

  /** The routing epoch this session's shared conn was chosen under (LiveRouter.epoch). */
  private epoch = 0;
  /** The upstream `shared` belongs to (the primary when the epoch was taken). */
  private up: Upstream;
  /** canary: this connection's reads are served by the target (sticky per connection). */
  private canary = false;
  /** A mirrored write whose reply waits for the other side is outstanding: later commands queue behind it. */
  private joinPending = false;
  /** The command being routed when it must be mirrored (consumed by `forward`). */
  private mirrorCmd: RespCommand | null = null;
  private mirrorInfo: CommandInfo | null = null;
  private mirrorExtra: Buffer[] | null = null;
  /** Keys of the writes queued in MULTI: synced by state after EXEC. */
  private txKeys: Buffer[] | null = null;
  /** A primary switch aborted this client's transaction: its EXEC answers nil, as after a WATCH conflict. */
  private txAborted = false;
  /** This session's barrier command (FLUSHDB …) is in flight; the router releases the hold at its reply. */
  private barrierPending = false;

  private queue: RespCommand[] | null = null;
  private qi = 0;
  private draining = false;
  private fatal: string | null = null;
  /** The client shut down its write side (half-close): replies still go out, then the session ends. */
  private inputEnded = false;

  /** Replies gathered until the next flush (copied out of backend reads; see OutQueue). */
  private readonly out = new OutQueue();
  dirty = false;
  /** Replies held back after a backend read, waiting for the rest of the pipeline. */
  held = false;
  private tNow = 0;
  private readonly scratch: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  /** One-entry cache of the last command name (without subcommand) and what the table said. */
  private readonly lastName = Buffer.alloc(16);
  private lastNameLen = -1;
  private lastInfo: CommandInfo = UNKNOWN_COMMAND;
  private readonly view: CommandView = { info: UNKNOWN_COMMAND, argv: undefined, command: undefined as unknown as RespCommand };
  private readonly peek = { kind: PS_NONE, count: -1 };
  private readonly framer: RequestFramer;
  private readonly addr: string;
  private readonly laddr: string;

  constructor(
    private readonly engine: Engine,
    readonly socket: net.Socket,
    id: number,
  ) {
    this.id = id;
    this.db = engine.defaultDb;
    this.authed = !engine.authRequired;
    this.lastActive = this.connectedAt = engine.clock;
    this.up = engine.router.primary;
    this.epoch = engine.router.epoch;
    this.canary = engine.isCanary(id);
    this.shared = this.up.sharedConn(2, this.identity, id);
    this.addr = formatAddr(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddr(socket.localAddress, socket.localPort);
    this.framer = new RequestFramer(
      (cmd) => this.onCommand(cmd),
      (err) => this.onProtocolError(err.message),
      engine.limits,
    );
  }

  get inTransaction(): boolean {
    return this.inMulti;
  }

  /** The id this client is told (HELLO, CLIENT ID, CLIENT LIST): its pinned conn's real one once pinned. */
  get clientId(): number {
    const d = this.dedicated;
    return this.sticky && d !== null && d.backendId >= 0 ? d.backendId : this.id;
  }

  /** The CLIENT ID of the backend connection this session holds now; -1 without one. */
  get backendId(): number {
    return this.dedicated?.backendId ?? -1;
  }

  /** Safe to close for inactivity: not blocked, subscribed, monitoring or waiting for a reply. */
  get idleClosable(): boolean {
    return this.inflight === 0 && this.blocking === 0 && !this.subscribed && !this.monitor;
  }

  /** Waiting on the server is normal while subscribed or monitoring (no command timeout). */
  get timesOut(): boolean {
    return !this.subscribed && !this.monitor;
  }

  /**
   * Client bytes buf[start, end), as the interlay reads them (io.ts): often a range of a
   * shared read buffer, valid only during this call. What outlives it is copied (OutQueue,
   * snapshots). A closing session discards input, so a client that keeps writing after a
   * protocol error or QUIT is not left blocked.
   */
  onInput(buf: Buffer, start: number, end: number): void {
    if (this.closing || this.closed) return;
    const e = this.engine;
    e.counters.bytesIn += end - start;
    this.lastActive = e.clock;
    this.tNow = performance.now();
    this.framer.write(buf, start, end);
    const d = this.dest;
    if (d !== null && d.writableLength > BACKEND_HIGH_WATER && !this.closed) {
      this.socket.pause();
      e.waitForDrain(d, this);
    }
  }

  /** The client half-closed (EOF on its socket): answer what it sent, then end. */
  onInputEnd(): void {
    this.inputEnded = true;
    if (this.closing || this.closed) return;
    this.finishInputIfDone();
  }

  /**
   * After a half-close: end once every command has its reply. A blocked, subscribed or
   * monitoring client would wait forever; Redis frees such a client when it reads EOF.
   */
  private finishInputIfDone(): void {
    if (!this.inputEnded || this.closing || this.fatal !== null || this.queue !== null) return;
    if (this.inflight === 0 || this.blocking > 0 || this.subscribed || this.monitor) this.endAfterFlush();
  }

  /** Called by the engine when the backend conn this session was writing to drained. */
  resumeInput(): void {
    if (this.queue === null && !this.closing && !this.closed) this.socket.resume();
  }

  private onCommand(cmd: RespCommand): void {
    if (this.closing || this.fatal !== null) return;
    if (this.queue !== null) {
      this.queue.push(cmd.snapshot());
      return;
    }
    if (!this.dispatch(cmd)) {
      this.queue = [cmd.snapshot()];
      this.qi = 0;
      this.socket.pause();
    }
  }

  private onProtocolError(message: string): void {
    this.engine.counters.errors.protocol++;
    this.engine.log.debug({ client: this.id, reason: message }, 'client protocol error');
    this.fatal = message;
    if (this.queue === null) this.tryFinishFatal();
  }

  /** Like Redis: the commands before the error get their replies, then the error, then the connection closes. */
  private tryFinishFatal(): void {
    if (this.fatal === null || this.closing || this.inflight > 0 || !this.subSynced) return;
    this.pushOut(errorLine(`ERR ${this.fatal}`));
    this.endAfterFlush();
  }

  /** Runs queued commands now that the destination they waited for is free. */
  private drain(): void {
    const q = this.queue;
    if (q === null || this.draining) return;
    this.draining = true;
    while (this.qi < q.length && !this.closing && !this.closed) {
      if (!this.dispatch(q[this.qi])) break;
      q[this.qi++] = undefined as unknown as RespCommand;
    }
    this.draining = false;
    if (this.qi >= q.length || this.closing || this.closed) {
      this.queue = null;
      this.qi = 0;
      if (this.fatal !== null) this.tryFinishFatal();
      else if (!this.closing && !this.closed) {
        this.socket.resume();
        this.finishInputIfDone();
      }
    }
  }

  /** Routes one command; false when it must wait for earlier replies (the caller queues it). */
  private dispatch(cmd: RespCommand): boolean {
    // A mirrored write whose reply waits for the other side: nothing may overtake it.
    if (this.joinPending) return false;
    const r = this.engine.router;
    if (r.live) {
      // A switch or a barrier quiesces: new commands wait (transactions in progress finish first).
      if (r.holding && !this.busyInTransaction && r.barrierOwner !== this) {
        this.engine.hold(this);
        return false;
      }
      if (this.epoch !== r.epoch) this.refreshRouting();
    }
    // Clients repeat the same command names: compare the name's bytes with the last one
    // (no view, no hash) before asking the table.
    const buf = cmd.buf;
    const ns = cmd.start + cmd.offsets[0];
    const nl = cmd.start + cmd.offsets[1] - ns;
    let info: CommandInfo;
    const last = this.lastName;
    if (nl === this.lastNameLen && sameBytes(buf, ns, last, nl)) {
      info = this.lastInfo;
    } else {
      const name0 = buf.subarray(ns, ns + nl);
      info = commandTable.lookup(name0) ?? UNKNOWN_COMMAND;
      if (nl <= last.length && !info.hasSubcommands) {
        buf.copy(last, 0, ns, ns + nl);
        this.lastNameLen = nl;
        this.lastInfo = info;
      } else {
        this.lastNameLen = -1;
      }
      if (info.hasSubcommands && cmd.argc >= 2) {
        const s = this.scratch;
        s[0] = name0;
        s[1] = cmd.arg(1);
        info = commandTable.classify(s);
      }
    }
    const skip = this.skipNext;
    this.muted = this.replyOff || skip;
    const ok = this.route(cmd, info);
    if (ok) {
      // CLIENT REPLY SKIP mutes the command after it; that command used it up.
      if (skip && this.skipNext) this.skipNext = false;
      this.lastCommand = info;
      if (this.inMulti) this.multiQueued++;
      const c = this.engine.counters;
      c.countCommand(info);
      if (!info.known) c.errors.unknown_command++;
    }
    return ok;
  }

  private route(cmd: RespCommand, info: CommandInfo): boolean {
    const kind = kindOf(info);
    const e = this.engine;
    if (!this.authed && !(kind === K_LOCAL && AUTH_FREE.has(info.name))) {
      if (!this.local(NOAUTH)) return false;
      e.counters.errors.auth++;
      return true;
    }
    if (e.commands.refuses(info)) {
      if (!this.local(CommandPolicy.refusal(info))) return false;
      e.counters.errors.rejected++;
      return true;
    }
    if (kind === K_LOCAL) return this.handleLocal(cmd, info);

    let argv: Buffer[] | undefined;
    if (kind === K_BLOCKING || kind === K_AFFINE) argv = cmd.args();
    const view = this.view;
    view.info = info;
    view.argv = argv;
    view.command = cmd;
    const decision = this.engine.policy.route(view, this);
    if (decision.action !== 'forward') {
      if (!this.local(errorLine(decision.error))) return false;
      this.engine.counters.errors.rejected++;
      return true;
    }

    const buf = cmd.buf;
    const start = cmd.start;
    const end = cmd.end;
    if (e.router.live) {
      const live = this.routeLive(cmd, info, kind);
      if (live !== null) return live;
    }
    switch (kind) {
      case K_PLAIN:
        return this.forwardPlain(buf, start, end, 0);
      case K_SELECT: {
        const n = cmd.argc === 2 ? parseIndex(cmd.arg(1)) : -1;
        if (n < 0 || (this.dedicated === null && n === this.engine.defaultDb)) {
          // Invalid, or the default db while shared: the backend validates; no state changes.
          return this.forwardPlain(buf, start, end, 0);
        }
        const d = this.ensureDedicated();
        if (d === null) return false;
        if (this.inMulti) {
          // Applied (or not) at EXEC time: the db becomes unknowable, so keep this conn to the end.
          this.sticky = true;
          d.tainted = true;
          return this.forward(d, buf, start, end, 0, 0);
        }
        return this.forward(d, buf, start, end, F_SELECT, n);
      }
      case K_TX_BEGIN: {
        const d = this.ensureDedicated();
        if (d === null) return false;
        if (info.name === 'multi') {
          if (!this.inMulti) this.multiQueued = -1;
          this.inMulti = true;
        } else this.watching = true;
        return this.forward(d, buf, start, end, 0, 0);
      }
      case K_TX_END: {
        const d = this.dedicated;
        if (d === null) return this.forwardPlain(buf, start, end, 0);
        // EXEC/DISCARD without MULTI are errors that keep WATCHed keys; UNWATCH inside MULTI is queued.
        if (info.name === 'unwatch') {
          if (!this.inMulti) this.watching = false;
        } else if (this.inMulti) {
          this.inMulti = false;
          this.watching = false;
        }
        return this.forward(d, buf, start, end, 0, 0);
      }
      case K_SUB: {
        const d = this.ensureDedicated();
        if (d === null) return false;
        d.tainted = true;
        this.pubsubUsed = true;
        const n = info.name;
        if (n === 'subscribe' || n === 'psubscribe' || n === 'ssubscribe') this.pendingSubConfirms += cmd.argc - 1;
        this.updateSubscribed();
        this.subSynced = false;
        this.dest = d;
        if (!d.sendNoReply(buf, start, end)) this.pushOut(d.unavailableReply);
        return true;
      }
      case K_BLOCKING: {
        if (this.inMulti || !isBlockingCall(argv!, info)) return this.forwardPlain(buf, start, end, 0);
        const d = this.ensureDedicated();
        if (d === null) return false;
        this.blocking++;
        return this.forward(d, buf, start, end, F_BLOCKING, 0);
      }
      case K_AFFINE:
        return this.routeAffine(cmd, info, argv!);
      case K_INFO:
        return this.forwardPlain(buf, start, end, infoShowsServer(cmd) ? F_INFO_PORT : 0);
      case K_REPLICATION:
        return this.local(NO_REPLICATION);
      default:
        return this.forwardPlain(buf, start, end, 0);
    }
  }

  /** Commands that pin the session to a connection of its own (see the header). */
  private routeAffine(cmd: RespCommand, info: CommandInfo, argv: Buffer[]): boolean {
    if (!isConnectionAffine(argv, info)) {
      if (info.name === 'client|tracking') this.tracking = false;
      return this.forwardPlain(cmd.buf, cmd.start, cmd.end, 0);
    }
    let bytes = cmd.buf;
    let start = cmd.start;
    let end = cmd.end;
    if (info.name === 'client|tracking') {
      // REDIRECT names a client by the id the interlay told it: the backend knows that
      // client's connection by its real id.
      const r = argv.findIndex((a, i) => i >= 2 && a.toString('latin1').toLowerCase() === 'redirect');
      if (r >= 0 && r + 1 < argv.length) {
        const id = Number(argv[r + 1].toString('latin1'));
        const target = Number.isSafeInteger(id) && id > 0 ? this.engine.findSession(id) : null;
        if (target === null) return this.local(NO_REDIRECT_TARGET);
        const real = target.backendId;
        if (real < 0) {
          return this.local(
            errorLine(
              `ERR interlay: client ${id} holds no connection of its own yet; subscribe it to __redis__:invalidate (or pin it with CLIENT ID) before redirecting to it`,
            ),
          );
        }
        const rewritten = argv.slice();
        rewritten[r + 1] = Buffer.from(String(real));
        bytes = encodeCommand(rewritten);
        start = 0;
        end = bytes.length;
        this.redirectTo = target.clientId;
      }
    }
    const d = this.ensureDedicated();
    if (d === null) return false;
    this.sticky = true;
    d.tainted = true;
    if (info.name === 'monitor') this.monitor = true;
    if (info.name === 'client|tracking') this.tracking = true;
    return this.forward(d, bytes, start, end, 0, 0);
  }

  // ---- The live path (lib/interlay/routing.ts) ---------------------------------------------

  /**
   * What changes when the interlay mirrors or serves from the target: a write is tagged for
   * the mirror (consumed by `forward`), a canary reader's reads go to the target, a shadow
   * sample is also sent to the target. Returns the routing outcome when it took the command,
   * null to go on with the normal routing.
   */
  private routeLive(cmd: RespCommand, info: CommandInfo, kind: number): boolean | null {
    const r = this.engine.router;
    // Left over from a command that had to wait (and is routed again): never attached to another.
    this.mirrorCmd = this.mirrorInfo = this.mirrorExtra = null;
    // PUBLISH also reaches every other side with subscribers (each gets the message once, from the side it is on).
    if (info.mirrorMode === 'publish' && !this.inMulti) r.publishFanout(cmd.buf, cmd.start, cmd.end);
    const stage = r.spec.stage;
    if (stage === 'source') return null;
    // Writes queued in a transaction run at EXEC: their keys are synced by state then.
    if (this.inMulti && kind !== K_TX_END && kind !== K_TX_BEGIN) {
      if (info.mirrorMode !== 'none') this.collectTxKeys(cmd, info);
      return null;
    }
    if (kind === K_TX_END) {
      const exec = info.name === 'exec';
      if (exec && this.inMulti && this.txAborted) return this.abortExec();
      if (info.name === 'discard') this.txKeys = null;
      if (exec && this.inMulti && this.txKeys !== null) {
        // Kept until the EXEC is actually sent (it may have to wait and be routed again).
        this.mirrorCmd = cmd;
        this.mirrorInfo = info;
        this.mirrorExtra = this.txKeys;
      }
      return null;
    }
    if (info.mirrorMode === 'barrier') {
      // A wipe runs alone (routing.ts requestBarrier): held until everything before it has landed.
      if (r.barrierOwner !== this) {
        r.requestBarrier(this);
        this.engine.hold(this);
        return false;
      }
      this.barrierPending = true;
    }
    if (info.mirrorMode !== 'none' && info.mirrorMode !== 'publish') {
      const sy = r.syncer;
      if (sy.hasLocks && r.mirror.touchesLocked(cmd, info, this.db, (h) => sy.locked(h))) {
        // A repair is writing one of its keys on the primary: this write waits for it.
        this.engine.hold(this);
        return false;
      }
      this.mirrorCmd = cmd;
      this.mirrorInfo = info;
      this.mirrorExtra = null;
      return null;
    }
    if (kind !== K_PLAIN || !info.isRead || this.dedicated !== null || this.db !== this.engine.defaultDb) return null;
    const target = r.target;
    if (target === null) return null;
    if (stage === 'canary' && this.canary) {
      const conn = target.sharedConn(this.protocol, this.identity, this.id);
      if (this.dest !== conn && this.inflight > 0) return false;
      return this.forward(conn, cmd.buf, cmd.start, cmd.end, 0, 0);
    }
    if (stage === 'shadow' && !this.muted && ShadowReads.comparable(info) && Math.random() < r.spec.shadowSampleRate) {
      const s = this.shared;
      if (this.dest !== s && this.inflight > 0) return false;
      const key = info.keyStart > 0 && info.keyStart < cmd.argc ? cmd.arg(info.keyStart) : null;
      const id = r.shadow.begin(info, this.db, key);
      const conn = target.sharedConn(this.protocol, this.identity, this.id);
      if (!conn.send(r.shadow, cmd.buf, cmd.start, cmd.end, 0, id, this.tNow)) r.shadow.onReplyFailed(conn.unavailableReply, 0, id);
      return this.forward(s, cmd.buf, cmd.start, cmd.end, F_SHADOW, id);
    }
    return null;
  }

  /** Registers the write being forwarded with the mirror; the slot, or -1 when it is not mirrored. */
  private beginMirror(conn: BackendConn): number {
    const cmd = this.mirrorCmd!;
    const info = this.mirrorInfo!;
    const extra = this.mirrorExtra;
    this.mirrorCmd = this.mirrorInfo = this.mirrorExtra = null;
    if (extra !== null && extra === this.txKeys) this.txKeys = null;
    const r = this.engine.router;
    if (r.spec.stage === 'source') return -1;
    // Replays go to each side's default db; a write elsewhere reaches the other side by state.
    const forceState = this.db !== this.engine.defaultDb;
    return r.mirror.begin(this, conn, conn.isTarget ? 'target' : 'source', cmd, info, this.db, forceState, extra);
  }

  private collectTxKeys(cmd: RespCommand, info: CommandInfo): void {
    const keys = info.movableKeys ? commandTable.keyPositions(cmd.args(), info) : fixedKeyPositions(info, cmd.argc);
    if (keys.length === 0) return;
    this.txKeys ??= [];
    for (const p of keys) this.txKeys.push(Buffer.from(cmd.arg(p)));
  }

  /** EXEC of a transaction a primary switch aborted: the backend discards it, the client gets nil (as on a WATCH conflict). */
  private abortExec(): boolean {
    const d = this.dedicated;
    this.txAborted = false;
    this.txKeys = null;
    this.inMulti = false;
    this.watching = false;
    if (d === null) return this.local(this.protocol === 3 ? NULL3 : NIL_ARRAY2);
    return this.forward(d, DISCARD, 0, DISCARD.length, F_AS_NIL, 0);
  }

  /** The routing moved on (a new epoch): this session's shared conn follows the primary. */
  private refreshRouting(): void {
    const r = this.engine.router;
    const next = r.primary;
    if (next !== this.up) {
      next.retain(this.identity);
      this.up.release(this.identity, this.engine.clock);
      this.up = next;
    }
    this.shared = next.sharedConn(this.protocol, this.identity, this.id);
    this.canary = this.engine.isCanary(this.id);
    this.epoch = r.epoch;
  }

  private endBarrier(): void {
    if (!this.barrierPending) return;
    this.barrierPending = false;
    this.engine.router.barrierDone(this);
  }

  /** A reply the mirrorer held for the other side (wait policies) is ready. */
  onJoined(reply: Buffer): void {
    if (this.closed) return;
    this.joinPending = false;
    this.inflight--;
    this.pushOut(reply);
    if (this.inflight === 0) this.afterSettled();
    else if (this.queue !== null) this.drain();
  }

  /** Woken after a hold (switch, barrier, key lock): queued commands go on. */
  resumeHeld(): void {
    if (this.closed || this.closing) return;
    if (this.queue !== null) this.drain();
  }

  // ---- RoutedSession: what a primary switch needs -------------------------------------------

  get busyInTransaction(): boolean {
    return (this.inMulti || this.watching) && !this.txAborted;
  }

  blockedOn(): { id: number; upstream: Upstream } | null {
    const d = this.dedicated;
    return this.blocking > 0 && d !== null ? { id: d.backendId, upstream: d.upstream as Upstream } : null;
  }

  /**
   * The primary is changing. `graceOver`: a transaction still in progress is aborted (its
   * EXEC will answer nil). Otherwise the switch happened: a connection in another db moves
   * to the new primary, subscriptions stay where they are (PUBLISH reaches both sides), and a
   * session pinned to a connection of its own (client-side caching, CLIENT ID, MONITOR …)
   * is closed so it reconnects: that connection's server-side state cannot move.
   */
  onPrimaryChange(graceOver: boolean): void {
    const d = this.dedicated;
    if (graceOver) {
      this.txAborted = true;
      if (this.watching && !this.inMulti && d !== null) {
        // WATCH alone: unwatched now; the EXEC that may follow answers nil.
        this.watching = false;
        this.forwardUnmuted(d, UNWATCH, 0, UNWATCH.length, F_SWALLOW, 0);
      }
      return;
    }
    if (d === null || this.closed || this.closing) return;
    if (this.sticky) {
      this.engine.log.info({ client: this.id }, 'closing a pinned client at a primary switch');
      this.endAfterFlush();
      return;
    }
    if (this.subscribed || this.inMulti || this.blocking > 0 || this.inflight > 0) return;
    this.dedicated = null;
    d.upstream.releaseDedicated(d, false);
    if (this.db !== this.engine.defaultDb) {
      const nd = this.engine.router.primary.acquireDedicated(this, this.protocol, this.identity);
      this.dedicated = nd;
      const sel = encodeCommand(['SELECT', this.db]);
      this.forwardUnmuted(nd, sel, 0, sel.length, F_SWALLOW, 0);
    }
  }

  private hasState(): boolean {
    return (
      this.inMulti || this.watching || this.blocking > 0 || this.subscribed || this.sticky || this.db !== this.engine.defaultDb
    );
  }

  /**
   * True when every reply to earlier commands has been delivered. On a pub/sub conn that
   * takes a PING barrier (sent here once; the caller waits for it).
   */
  private synced(): boolean {
    if (this.inflight > 0) return false;
    if (!this.subSynced) {
      if (!this.barrierSent && this.dedicated !== null) {
        this.barrierSent = true;
        this.forwardUnmuted(this.dedicated, PING, 0, PING.length, F_BARRIER | F_SWALLOW, 0);
      }
      return false;
    }
    return true;
  }

  /** A command with no connection state: shared conn, or the dedicated one while state lasts. */
  private forwardPlain(buf: Buffer, start: number, end: number, flags: number, arg = 0): boolean {
    const d = this.dedicated;
    if (d !== null) {
      if (this.hasState()) return this.forward(d, buf, start, end, flags, arg);
      if (!this.synced()) return false;
      this.releaseDedicated();
    }
    const s = this.shared;
    if (this.dest !== s && this.inflight > 0) return false;
    return this.forward(s, buf, start, end, flags, arg);
  }

  /** Sends buf[start, end) (one command) to conn; its reply comes back through onReply. */
  private forward(conn: BackendConn, buf: Buffer, start: number, end: number, flags: number, arg: number): boolean {
    if (this.mirrorCmd !== null) {
      const slot = this.beginMirror(conn);
      if (slot >= 0) {
        flags |= F_MIRROR;
        arg = slot;
        const r = this.engine.router;
        if (!this.muted && (r.mirror.policyWaits || (this.canary && r.spec.stage === 'canary'))) {
          flags |= F_WAIT;
          this.joinPending = true;
        }
      }
    }
    return this.forwardUnmuted(conn, buf, start, end, this.muted ? flags | F_SWALLOW : flags, arg);
  }

  private forwardUnmuted(conn: BackendConn, buf: Buffer, start: number, end: number, flags: number, arg: number): boolean {
    this.dest = conn;
    this.inflight++;
    if (!conn.send(this, buf, start, end, flags, arg, this.tNow)) {
      this.engine.counters.errors.backend_down++;
      this.onReplyFailed(conn.unavailableReply, flags);
    }
    return true;
  }

  private ensureDedicated(): BackendConn | null {
    if (this.dedicated !== null) return this.dedicated;
    if (!this.synced()) return null;
    this.dedicated = this.engine.router.primary.acquireDedicated(this, this.protocol, this.identity);
    return this.dedicated;
  }

  private releaseDedicated(): void {
    const d = this.dedicated;
    if (d === null) return;
    this.dedicated = null;
    this.pubsubUsed = false;
    d.upstream.releaseDedicated(d, true);
  }

  /** Answers a command locally, in order (waits while earlier replies are outstanding). */
  private local(reply: Buffer): boolean {
    if (!this.synced()) return false;
    if (!this.muted) this.pushOut(reply);
    return true;
  }

  // ---- Replies -----------------------------------------------------------------------

  /** A reply matched to this session's command (in order): bytes [start, end) of buf. */
  onReply(buf: Buffer, start: number, end: number, type: number, flags: number, arg: number): void {
    if (flags >= F_MIRROR) {
      if (flags & F_MIRROR) {
        // Held for the other side (wait policies): the mirrorer delivers it through onJoined.
        const held = this.engine.router.mirror.onPrimaryReply(arg, this, buf, start, end, type, (flags & F_WAIT) !== 0);
        this.endBarrier();
        if (held) return;
        if (flags & F_WAIT) this.joinPending = false;
      } else if (flags & F_SHADOW) {
        this.engine.router.shadow.primaryReply(arg, buf, start, end);
      }
      if (flags & F_AS_NIL) {
        buf = this.protocol === 3 ? NULL3 : NIL_ARRAY2;
        start = 0;
        end = buf.length;
        type = RespType.Null;
      }
    }
    this.inflight--;
    if (flags !== 0) {
      if (flags & F_BLOCKING) this.blocking--;
      if (flags & F_SELECT && type === RespType.SimpleString) this.db = arg;
      if (flags & F_BARRIER) {
        this.subSynced = true;
        this.barrierSent = false;
      }
      if (flags & F_AUTH_CHECK) {
        this.onAuthChecked(buf, start, end, type, flags);
        return;
      }
      if (flags & F_INFO_PORT && !(flags & F_SWALLOW)) {
        const b = rewriteInfoPort(buf.subarray(start, end), this.engine.listenPort);
        buf = b;
        start = 0;
        end = b.length;
      }
    }
    if (!(flags & F_SWALLOW)) {
      if (type === RespType.Error || type === RespType.BlobError) this.engine.counters.errors.backend_error_reply++;
      this.pushOutRange(buf, start, end);
    }
    if (this.inflight === 0) this.afterSettled();
  }

  /** The command's backend conn failed (or was down): an error reply stands in for its reply. */
  onReplyFailed(line: Buffer, flags: number, arg = 0): void {
    if (flags & F_MIRROR) {
      this.engine.router.mirror.onPrimaryFailed(arg);
      this.endBarrier();
      if (flags & F_WAIT) this.joinPending = false;
    } else if (flags & F_SHADOW) {
      this.engine.router.shadow.primaryFailed(arg);
    }
    this.inflight--;
    if (flags & F_BLOCKING) this.blocking--;
    if (flags & F_BARRIER) {
      this.subSynced = true;
      this.barrierSent = false;
    }
    if (flags & F_AUTH_CHECK) this.endProbe();
    if (!(flags & F_SWALLOW)) this.pushOut(line);
    if (this.inflight === 0) this.afterSettled();
  }

  private afterSettled(): void {
    if (this.queue !== null) this.drain();
    else if (this.fatal !== null) this.tryFinishFatal();
    else this.finishInputIfDone();
  }

  /**
   * A frame on this session's dedicated conn that may not be a reply: pub/sub messages and
   * confirmations, RESP3 pushes. Returns true when it was delivered as such.
   */
  onDedicatedFrame(buf: Buffer, start: number, end: number, type: number): boolean {
    if (type !== RespType.Push && !(type === RespType.Array && this.protocol === 2 && (this.subscribed || !this.subSynced))) {
      return false;
    }
    const raw = buf.subarray(start, end);
    const pk = peekPubsub(raw, this.peek);
    if (pk.kind === PS_NONE) {
      if (type !== RespType.Push) return false;
      this.pushOutRange(buf, start, end);
      return true;
    }
    if ((pk.kind === PS_SUBSCRIBE || pk.kind === PS_SSUBSCRIBE) && this.pendingSubConfirms > 0) this.pendingSubConfirms--;
    if (pk.count >= 0) {
      if (pk.kind === PS_SUBSCRIBE || pk.kind === PS_UNSUBSCRIBE) this.normalSubs = pk.count;
      else if (pk.kind === PS_SSUBSCRIBE || pk.kind === PS_SUNSUBSCRIBE) this.shardSubs = pk.count;
    }
    this.updateSubscribed();
    this.pushOutRange(buf, start, end);
    return true;
  }

  private updateSubscribed(): void {
    this.setSubscribed(this.pendingSubConfirms > 0 || this.normalSubs > 0 || this.shardSubs > 0);
  }

  /** Keeps the upstream's subscriber count (PUBLISH fans out to every upstream that has some). */
  private setSubscribed(v: boolean): void {
    if (v === this.subscribed) return;
    this.subscribed = v;
    if (v) {
      const up = (this.dedicated?.upstream as Upstream | undefined) ?? null;
      this.subscribedOn = up;
      if (up !== null) up.subscribers++;
    } else if (this.subscribedOn !== null) {
      this.subscribedOn.subscribers--;
      this.subscribedOn = null;
    }
    this.engine.router.subscribersChanged();
  }

  /** MONITOR output and other frames that arrive while nothing is pending. */
  onUnsolicited(buf: Buffer, start: number, end: number): void {
    this.pushOutRange(buf, start, end);
  }

  /** The dedicated conn broke. Its pending commands already got error replies. */
  onDedicatedLost(conn: BackendConn): void {
    if (this.probeConn === conn) {
      this.probeConn = null;
      return;
    }
    if (this.dedicated !== conn) return;
    this.dedicated = null;
    const hadState = this.inMulti || this.watching || this.subscribed || this.sticky || this.db !== this.engine.defaultDb || this.pubsubUsed;
    this.setSubscribed(false);
    this.inMulti = this.watching = this.sticky = this.monitor = this.pubsubUsed = this.tracking = false;
    this.blocking = 0;
    this.pendingSubConfirms = this.normalSubs = this.shardSubs = 0;
    this.subSynced = true;
    this.barrierSent = false;
    if (hadState) {
      // Transaction, subscriptions or db are gone on the server side: the client must
      // reconnect and set them up again, as it would after losing a direct connection.
      this.engine.log.info({ client: this.id, reason: DEDICATED_LOST }, 'closing client');
      this.endAfterFlush();
    } else if (this.inflight === 0) {
      this.afterSettled();
    }
  }

  // ---- Local commands ------------------------------------------------------------------

  private handleLocal(cmd: RespCommand, info: CommandInfo): boolean {
    if (!this.synced()) return false;
    switch (info.name) {
      case 'auth':
        return this.cmdAuth(cmd);
      case 'hello':
        return this.cmdHello(cmd);
      case 'quit':
        this.pushOut(OK);
        this.endAfterFlush();
        return true;
      case 'reset':
        this.cmdReset();
        return true;
      case 'client|setname': {
        if (cmd.argc !== 3) return this.local(arityError('client|setname'));
        const name = cmd.arg(2);
        if (!validName(name)) return this.local(BAD_NAME);
        this.name = name.length === 0 ? null : name.toString('latin1');
        // A pinned session is a real connection: the server learns the name too (CLIENT LIST, SLOWLOG).
        if (this.sticky && this.dedicated !== null) return this.forward(this.dedicated, cmd.buf, cmd.start, cmd.end, 0, 0);
        return this.local(OK);
      }
      case 'client|getname':
        if (cmd.argc !== 2) return this.local(arityError('client|getname'));
        return this.local(
          this.name === null ? (this.protocol === 3 ? NULL3 : NULL2) : encodeReply(Buffer.from(this.name, 'latin1'), this.protocol),
        );
      case 'client|id':
        return this.cmdClientId(cmd);
      case 'client|setinfo':
        return this.cmdSetinfo(cmd);
      case 'client|reply':
        return this.cmdClientReply(cmd);
      case 'client|list':
      case 'client|info':
        return this.cmdClientList(cmd, info.name === 'client|info');
      case 'client|kill':
        return this.cmdClientKill(cmd);
      case 'client|unblock':
        return this.cmdClientUnblock(cmd);
      default:
        return this.forwardPlain(cmd.buf, cmd.start, cmd.end, 0);
    }
  }

  /** Asking for its identity pins the session: the answer is its own connection's real id. */
  private cmdClientId(cmd: RespCommand): boolean {
    if (cmd.argc !== 2) return this.local(arityError('client|id'));
    const d = this.ensureDedicated();
    if (d === null) return false;
    if (!this.sticky) {
      this.sticky = true;
      d.tainted = true;
      if (this.name !== null) {
        const setname = encodeCommand(['CLIENT', 'SETNAME', this.name]);
        this.forwardUnmuted(d, setname, 0, setname.length, F_SWALLOW, 0);
      }
    }
    return this.forward(d, cmd.buf, cmd.start, cmd.end, 0, 0);
  }

  /** CLIENT SETINFO exists from Redis 7.2: older servers answer their own error. */
  private cmdSetinfo(cmd: RespCommand): boolean {
    if (!versionAtLeast(this.engine.serverInfo?.version, 7, 2)) return this.forwardPlain(cmd.buf, cmd.start, cmd.end, 0);
    if (cmd.argc !== 4) return this.local(arityError('client|setinfo'));
    const value = cmd.argString(3, 'latin1');
    if (!/^[\x21-\x7e]*$/.test(value)) return this.local(errorLine('ERR lib-name and lib-ver cannot contain spaces, newlines or special characters.'));
    if (cmd.argEquals(2, 'lib-name')) this.libName = value;
    else if (cmd.argEquals(2, 'lib-ver')) this.libVer = value;
    else return this.local(errorLine(`ERR Unrecognized option '${cmd.argString(2)}'`));
    return this.local(OK);
  }

  /** CLIENT REPLY ON|OFF|SKIP, kept by the interlay: muted replies are dropped here, in order. */
  private cmdClientReply(cmd: RespCommand): boolean {
    if (cmd.argc !== 3) return this.local(arityError('client|reply'));
    if (cmd.argEquals(2, 'on')) {
      this.replyOff = this.skipNext = this.muted = false;
      return this.local(OK);
    }
    if (cmd.argEquals(2, 'off')) {
      if (!this.synced()) return false;
      this.replyOff = true;
      return true;
    }
    if (cmd.argEquals(2, 'skip')) {
      if (!this.synced()) return false;
      if (!this.replyOff) this.skipNext = true;
      return true;
    }
    return this.local(SYNTAX);
  }

  private row(): ClientRow {
    const d = this.dedicated;
    const flags =
      (this.monitor ? 'O' : '') +
      (this.subscribed ? 'P' : '') +
      (this.inMulti ? 'x' : '') +
      (this.blocking > 0 ? 'b' : '') +
      (this.tracking ? 't' : '');
    const now = this.engine.clock;
    const ids = d !== null && d.backendId >= 0 && d.backendId !== this.id ? [this.id, d.backendId] : [this.id];
    return {
      id: this.clientId,
      ids,
      addr: this.addr,
      laddr: this.laddr,
      fd: socketFd(this.socket),
      name: this.name ?? '',
      ageS: Math.floor((now - this.connectedAt) / 1000),
      idleS: Math.floor((now - this.lastActive) / 1000),
      flags: flags === '' ? 'N' : flags,
      db: this.db,
      sub: this.normalSubs,
      psub: 0,
      ssub: this.shardSubs,
      multi: this.inMulti ? Math.max(0, this.multiQueued) : -1,
      omem: this.out.length,
      cmd: this.lastCommand.name,
      user: this.user ?? 'default',
      redir: this.redirectTo,
      resp: this.protocol,
      libName: this.libName,
      libVer: this.libVer,
      type: this.subscribed ? 'pubsub' : 'normal',
    };
  }

  /** CLIENT LIST / CLIENT INFO: the interlay's sessions (see client-admin.ts). */
  private cmdClientList(cmd: RespCommand, self: boolean): boolean {
    const withLib = versionAtLeast(this.engine.serverInfo?.version, 7, 2);
    let text: string;
    if (self) {
      if (cmd.argc !== 2) return this.local(arityError('client|info'));
      this.lastCommand = commandTable.classify([Buffer.from('client'), Buffer.from('info')]);
      text = formatClientLine(this.row(), withLib);
    } else {
      const f = parseListArgs(stringArgs(cmd, 2));
      if ('error' in f) return this.local(errorLine(f.error));
      this.lastCommand = commandTable.classify([Buffer.from('client'), Buffer.from('list')]);
      text = '';
      for (const s of this.engine.sessions) {
        if (s.closed) continue;
        const r = s.row();
        if (listMatches(f, r)) text += formatClientLine(r, withLib);
      }
    }
    const body = Buffer.from(text, 'latin1');
    return this.local(this.protocol === 3 ? verbatim(body) : encodeReply(body, 2));
  }

  /** CLIENT KILL: ends matching interlay sessions (never a pooled backend connection). */
  private cmdClientKill(cmd: RespCommand): boolean {
    const f = parseKillArgs(stringArgs(cmd, 2));
    if ('error' in f) return this.local(errorLine(f.error));
    if (!this.synced()) return false;
    let killed = 0;
    let self = false;
    for (const s of [...this.engine.sessions]) {
      if (s.closed || s.closing) continue;
      const isSelf = s === this;
      if (!killMatches(f, s.row(), isSelf)) continue;
      killed++;
      if (isSelf) self = true;
      else s.kill();
    }
    if (f.oldStyle) this.local(killed === 0 ? NO_SUCH_CLIENT : OK);
    else this.local(Buffer.from(`:${killed}\r\n`));
    if (self) this.endAfterFlush();
    return true;
  }

  /**
   * CLIENT UNBLOCK names a client by the id the interlay told it; a blocked session waits on
   * a connection of its own, which the backend knows by its real id.
   */
  private cmdClientUnblock(cmd: RespCommand): boolean {
    if (cmd.argc !== 3 && cmd.argc !== 4) return this.local(arityError('client|unblock'));
    const raw = cmd.argString(2, 'latin1');
    const id = /^-?[0-9]+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(id)) return this.local(errorLine('ERR value is not an integer or out of range'));
    if (cmd.argc === 4 && !cmd.argEquals(3, 'timeout') && !cmd.argEquals(3, 'error')) {
      return this.local(errorLine('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR'));
    }
    const target = id > 0 ? this.engine.findSession(id) : null;
    const real = target !== null && target.blocking > 0 ? target.backendId : -1;
    if (real < 0) return this.local(ZERO);
    const args: (string | Buffer)[] = ['CLIENT', 'UNBLOCK', String(real)];
    if (cmd.argc === 4) args.push(cmd.arg(3));
    const bytes = encodeCommand(args);
    return this.forwardPlain(bytes, 0, bytes.length, 0);
  }

  private cmdAuth(cmd: RespCommand): boolean {
    if (cmd.argc !== 2 && cmd.argc !== 3) return this.local(arityError('auth'));
    const user = cmd.argc === 3 ? cmd.argString(1) : 'default';
    const pass = cmd.arg(cmd.argc - 1);
    const e = this.engine;
    if (e.hasLocalUser(user)) {
      const ok = this.authenticateLocally(user, pass);
      if (!ok) e.counters.errors.auth++;
      return this.local(ok ? OK : WRONGPASS);
    }
    return this.checkWithBackend(user, pass, null, cmd.argc === 2);
  }

  private authenticateLocally(user: string, pass: Buffer): boolean {
    if (!this.engine.checkCredentials(user, pass)) return false;
    this.setIdentity(ENDPOINT_IDENTITY);
    this.authed = true;
    this.authKind = AUTH_LOCAL;
    this.user = user;
    this.authDigest = credentialDigest(user, pass);
    return true;
  }

  /**
   * Credentials of a user the interlay does not know itself go to the backend: `AUTH` on a
   * connection of their own (a probe, or the session's own connection when it holds one),
   * and the backend's reply decides. On success the session runs with that identity
   * (onAuthChecked); on failure the client gets the backend's error, word for word.
   */
  private checkWithBackend(user: string, pass: Buffer, hello: PendingHello | null, short: boolean): boolean {
    const e = this.engine;
    if (e.settings.backend_auth === false) {
      e.counters.errors.auth++;
      return this.local(WRONGPASS);
    }
    // The form the client used: Redis words its errors differently for `AUTH pass`.
    const auth = encodeCommand(short ? ['AUTH', pass] : ['AUTH', user, pass]);
    this.pendingIdentity = backendIdentity(user, pass);
    this.pendingHello = hello;
    const d = this.dedicated;
    if (d !== null) {
      // The session's own connection re-authenticates, as a direct one would; it keeps no pool's identity any more.
      d.tainted = true;
      return this.forward(d, auth, 0, auth.length, F_AUTH_CHECK, 0);
    }
    const probe = e.router.primary.probe(this);
    this.probeConn = probe;
    return this.forward(probe, auth, 0, auth.length, F_AUTH_CHECK, 0);
  }

  private onAuthChecked(buf: Buffer, start: number, end: number, type: number, flags: number): void {
    const identity = this.pendingIdentity!;
    const hello = this.pendingHello;
    this.pendingIdentity = null;
    this.pendingHello = null;
    this.endProbe();
    if (type === RespType.SimpleString) {
      this.setIdentity(identity);
      this.authed = true;
      this.authKind = AUTH_BACKEND;
      this.user = identity.username!;
      this.authDigest = null;
      if (hello !== null) this.finishHello(hello, (flags & F_SWALLOW) !== 0);
      else if (!(flags & F_SWALLOW)) this.pushOutRange(buf, start, end);
    } else {
      this.engine.counters.errors.auth++;
      if (!(flags & F_SWALLOW)) this.pushOutRange(buf, start, end);
    }
    if (this.inflight === 0) this.afterSettled();
  }

  /** The probe carried one AUTH; it is closed once its reply is in (after this read, not inside it). */
  private endProbe(): void {
    const p = this.probeConn;
    if (p === null) return;
    this.probeConn = null;
    setImmediate(() => p.upstream.releaseDedicated(p, false));
  }

  /** Switches the session's shared conn to an identity's pool (keeping that pool open while used). */
  private setIdentity(identity: Identity): void {
    if (identity.key === this.identity.key) return;
    const up = this.up;
    up.retain(identity);
    up.release(this.identity, this.engine.clock);
    this.identity = identity;
    this.shared = up.sharedConn(this.protocol, identity, this.id);
  }

  private cmdHello(cmd: RespCommand): boolean {
    let proto = this.protocol;
    let i = 1;
    if (cmd.argc >= 2) {
      const v = parseIndex(cmd.arg(1));
      if (v !== 2 && v !== 3) return this.local(NOPROTO);
      proto = v;
      i = 2;
    }
    let setname: Buffer | undefined;
    let authUser: string | undefined;
    let authPass: Buffer | undefined;
    for (; i < cmd.argc; i++) {
      const more = cmd.argc - i - 1;
      if (cmd.argEquals(i, 'auth') && more >= 2) {
        authUser = cmd.argString(i + 1);
        authPass = cmd.arg(i + 2);
        i += 2;
      } else if (cmd.argEquals(i, 'setname') && more >= 1) {
        setname = Buffer.from(cmd.arg(i + 1));
        i += 1;
      } else {
        return this.local(errorLine(`ERR Syntax error in HELLO option '${cmd.argString(i)}'`));
      }
    }
    const hello: PendingHello = { proto, setname };
    if (authUser !== undefined) {
      if (!this.engine.hasLocalUser(authUser)) return this.checkWithBackend(authUser, authPass!, hello, false);
      if (!this.authenticateLocally(authUser, authPass!)) {
        this.engine.counters.errors.auth++;
        return this.local(WRONGPASS);
      }
    }
    if (!this.authed) {
      this.engine.counters.errors.auth++;
      return this.local(NOAUTH_HELLO);
    }
    this.finishHello(hello, this.muted);
    return true;
  }

  /** HELLO's reply, synthesised from the backend's INFO server (the backend conns are shared). */
  private finishHello(h: PendingHello, muted: boolean): void {
    if (h.setname !== undefined) {
      if (!validName(h.setname)) {
        if (!muted) this.pushOut(BAD_NAME);
        return;
      }
      this.name = h.setname.length === 0 ? null : h.setname.toString('latin1');
    }
    const proto = h.proto;
    if (proto !== this.protocol) {
      this.protocol = proto;
      this.shared = this.up.sharedConn(proto, this.identity, this.id);
      // A dedicated conn keeps serving this client: switch its protocol too (reply swallowed, in order).
      if (this.dedicated !== null) {
        const hello = encodeCommand(['HELLO', proto]);
        this.forwardUnmuted(this.dedicated, hello, 0, hello.length, F_SWALLOW, 0);
      }
    }
    const info = this.engine.serverInfo ?? { server: 'redis', version: '0.0.0', mode: 'standalone' };
    const b = (s: string) => Buffer.from(s);
    const fields: [RespValue, RespValue][] = [
      [b('server'), b(info.server)],
      [b('version'), b(info.version)],
      [b('proto'), proto],
      [b('id'), this.clientId],
      [b('mode'), b(info.mode)],
      [b('role'), b('master')],
      [b('modules'), []],
    ];
    if (!muted) this.pushOut(encodeReply(new RespMap(fields), proto));
  }

  private cmdReset(): void {
    const d = this.dedicated;
    if (d !== null) {
      this.dedicated = null;
      d.upstream.releaseDedicated(d, false);
    }
    this.txKeys = null;
    this.txAborted = false;
    this.setSubscribed(false);
    this.inMulti = this.watching = this.sticky = this.monitor = this.pubsubUsed = this.tracking = false;
    this.blocking = 0;
    this.redirectTo = -1;
    this.pendingSubConfirms = this.normalSubs = this.shardSubs = 0;
    this.subSynced = true;
    this.barrierSent = false;
    this.replyOff = this.skipNext = this.muted = false;
    this.setIdentity(ENDPOINT_IDENTITY);
    this.protocol = 2;
    this.shared = this.up.sharedConn(2, this.identity, this.id);
    this.dest = null;
    this.db = this.engine.defaultDb;
    this.name = null;
    this.user = null;
    this.authDigest = null;
    this.authKind = AUTH_NONE;
    this.authed = !this.engine.authRequired;
    this.pushOut(RESET_REPLY);
  }

  /** After the interlay's auth settings changed: re-checks a session the interlay authenticated. */
  recheckAuth(required: boolean, valid: Set<string>): void {
    if (this.authKind === AUTH_BACKEND) return; // the backend vouched for it, as on a direct connection
    if (!required) this.authed = true;
    else this.authed = this.authDigest !== null && valid.has(this.authDigest.toString('hex'));
  }

  // ---- Output ----------------------------------------------------------------------------

  pushOut(buf: Buffer): void {
    this.pushOutRange(buf, 0, buf.length);
  }

  pushOutRange(buf: Buffer, start: number, end: number): void {
    if (this.closed) return;
    this.out.pushRange(buf, start, end);
    if (!this.dirty) {
      this.dirty = true;
      this.engine.markClientDirty(this);
    }
  }

  /**
   * After a backend read: whether to hold this client's replies for one more read (see
   * Engine.flushClients). Only a pipeline still waiting on the shared conn, which keeps
   * answering, and never a large batch or a closing client.
   */
  holdable(): boolean {
    return this.inflight > 0 && this.dest === this.shared && !this.closing && !this.closed && this.out.length < HOLD_MAX_BYTES;
  }

  /** Writes everything gathered this turn in one (v)write (see OutQueue). */
  flush(): void {
    this.dirty = false;
    this.held = false;
    if (this.closed) {
      this.out.clear();
      return;
    }
    if (this.out.length > 0) this.engine.counters.bytesOut += this.out.writeTo(this.socket);
    if (this.closing) this.closeSocket();
  }

  /** No more input; close once queued output is written. */
  endAfterFlush(): void {
    if (this.closing || this.closed) return;
    this.closing = true;
    this.queue = null;
    if (!this.dirty) this.closeSocket();
  }

  /**
   * Like Redis closing a client after its last reply: the socket is ended once everything
   * queued is handed to the kernel, then destroyed, so its descriptor and session go at
   * once (a half-close would wait on a peer that may never close or read).
   */
  private closeSocket(): void {
    const s = this.socket;
    if (s.destroyed) return;
    s.resume(); // read and drop whatever the client still sends, so it is not left blocked
    if (s.writableLength === 0) s.destroy();
    else s.end(() => s.destroy());
  }

  /** CLIENT KILL of another session: its connection closes now, as Redis does. */
  kill(): void {
    this.closing = true;
    this.socket.destroy();
  }

  /** The client socket closed (or is being closed by the engine). */
  onClosed(): void {
    if (this.closed) return;
    this.endBarrier();
    this.engine.router.barrierDone(this);
    this.setSubscribed(false);
    this.closed = true;
    this.out.clear();
    this.queue = null;
    const d = this.dedicated;
    if (d !== null) {
      this.dedicated = null;
      d.upstream.releaseDedicated(d, this.inflight === 0 && !this.hasState() && this.subSynced && !this.pubsubUsed);
    }
    const p = this.probeConn;
    if (p !== null) {
      this.probeConn = null;
      p.upstream.releaseDedicated(p, false);
    }
    this.up.release(this.identity, this.engine.clock);
  }
}

/** Key positions of a command with fixed key specs (no argument parsing). */
function fixedKeyPositions(info: CommandInfo, argc: number): number[] {
  if (info.keyStart <= 0 || info.keyStart >= argc || info.step <= 0) return [];
  let last = info.keyStop < 0 ? argc + info.keyStop : info.keyStop;
  if (last >= argc) last = argc - 1;
  const out: number[] = [];
  for (let i = info.keyStart; i <= last; i += info.step) out.push(i);
  return out;
}

/** Redis's address format: `ip:port`, IPv6 in brackets. */
function formatAddr(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return '?:0';
  const host = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return host.includes(':') ? `[${host}]:${port ?? 0}` : `${host}:${port ?? 0}`;
}

function socketFd(sock: net.Socket): number {
  const h = (sock as unknown as { _handle?: { fd?: number } })._handle;
  return typeof h?.fd === 'number' ? h.fd : -1;
}

function stringArgs(cmd: RespCommand, from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < cmd.argc; i++) out.push(cmd.argString(i, 'latin1'));
  return out;
}

/** A RESP3 verbatim string (`txt`), as Redis answers CLIENT LIST / CLIENT INFO to RESP3 clients. */
function verbatim(body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`=${body.length + 4}\r\ntxt:`), body, Buffer.from('\r\n')]);
}

/** Whether INFO with these sections includes the server section (where tcp_port is). */
function infoShowsServer(cmd: RespCommand): boolean {
  if (cmd.argc === 1) return true;
  for (let i = 1; i < cmd.argc; i++) {
    if (cmd.argEquals(i, 'server') || cmd.argEquals(i, 'all') || cmd.argEquals(i, 'everything') || cmd.argEquals(i, 'default')) return true;
  }
  return false;
}

function versionAtLeast(version: string | undefined, major: number, minor: number): boolean {
  if (version === undefined) return false;
  const [a, b] = version.split('.').map((x) => Number(x));
  return a > major || (a === major && (b ?? 0) >= minor);
}

/**
 * a[as, as + n) equals b[0, n). A JS loop: names are a few bytes, and a native
 * `Buffer.compare` call costs more than comparing them (it ran once per command).
 */
function sameBytes(a: Buffer, as: number, b: Buffer, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[as + i] !== b[i]) return false;
  return true;
}

/** A db index or protocol version: a small non-negative decimal; -1 otherwise. */
function parseIndex(b: Buffer): number {
  if (b.length === 0 || b.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Redis: printable ASCII without spaces (33..126). */
function validName(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] < 33 || b[i] > 126) return false;
  return true;
}
