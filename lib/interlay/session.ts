/**
 * One client connection and its protocol state machine.
 *
 * States (derived from flags, see `hasState`):
 *   shared     — no connection state: commands go to the session's shared backend conn
 *                (one of `poolSize`, per protocol), pipelined with every other client's.
 *   dedicated  — MULTI/WATCH, a blocking call in flight, subscribed, a non-default db, or a
 *                sticky mode (MONITOR, CLIENT TRACKING ON, READONLY ...): commands go to a
 *                backend conn of its own. Released when the state ends (EXEC/DISCARD/UNWATCH,
 *                blocking reply, unsubscribed from all, SELECT back to the default db); sticky
 *                modes keep it until the client disconnects or sends RESET.
 *
 * Ordering invariant: replies reach the client in command order. Each backend conn answers
 * in order, so the session only has to avoid having replies outstanding on two places at
 * once: a command that needs another destination (or a locally answered command) waits —
 * the session queues it and pauses reading — until `inflight` drops to 0. On a pub/sub conn
 * the subscribe family produces no 1:1 replies, so "all earlier output delivered" is proven
 * by a swallowed PING barrier instead.
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
import { BackendConn, F_BARRIER, F_BLOCKING, F_SELECT, F_SWALLOW } from './backend';
import type { Engine } from './engine';
import { OutQueue } from './outq';
import { peekPubsub, PS_NONE, PS_SSUBSCRIBE, PS_SUBSCRIBE, PS_SUNSUBSCRIBE, PS_UNSUBSCRIBE } from './pubsub-frame';
import type { CommandView, SessionView } from './types';

const K_PLAIN = 0;
const K_LOCAL = 1;
const K_SELECT = 2;
const K_TX_BEGIN = 3;
const K_TX_END = 4;
const K_SUB = 5;
const K_BLOCKING = 6;
const K_AFFINE = 7;
const K_CLIENT_REPLY = 8;

const LOCAL = new Set(['auth', 'hello', 'quit', 'reset', 'client|setname', 'client|getname', 'client|id', 'client|setinfo']);
/** What an unauthenticated client may send (as Redis allows). */
const AUTH_FREE = new Set(['auth', 'hello', 'quit', 'reset']);
const AFFINE_CHECK = new Set([
  'monitor', 'sync', 'psync', 'readonly', 'readwrite', 'asking',
  'client|caching', 'client|tracking', 'client|no-evict', 'client|no-touch',
]);

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
  else if (n === 'client|reply') k = K_CLIENT_REPLY;
  else if (AFFINE_CHECK.has(n)) k = K_AFFINE;
  else k = K_PLAIN;
  setById(kinds, id, k, -1);
  return k;
}

const OK = Buffer.from('+OK\r\n');
const RESET_REPLY = Buffer.from('+RESET\r\n');
const NULL2 = Buffer.from('$-1\r\n');
const NULL3 = Buffer.from('_\r\n');
const PING = encodeCommand(['PING']);
const NOAUTH = Buffer.from('-NOAUTH Authentication required.\r\n');
const NOAUTH_HELLO = Buffer.from(
  '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
);
const WRONGPASS = Buffer.from('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
const AUTH_NOPASS = Buffer.from(
  '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
);
const NOPROTO = Buffer.from('-NOPROTO unsupported protocol version\r\n');
const BAD_NAME = Buffer.from('-ERR Client names cannot contain spaces, newlines or special characters.\r\n');
const NO_CLIENT_REPLY = Buffer.from('-ERR interlay: CLIENT REPLY OFF|SKIP is not supported through the interlay\r\n');
const DEDICATED_LOST = 'backend connection holding this client\'s state was lost';

/** Replies gathered for a client beyond this are written without waiting for the rest. */
const HOLD_MAX_BYTES = 64 * 1024;

/** Pause a client's input while its backend conn has this much unsent. */
const BACKEND_HIGH_WATER = 64 * 1024 * 1024;

function arityError(name: string): Buffer {
  return Buffer.from(`-ERR wrong number of arguments for '${name}' command\r\n`);
}

export function credentialDigest(user: string, password: string | Buffer): Buffer {
  return createHash('sha256').update(user).update('\0').update(password).digest();
}

export class Session implements SessionView {
  readonly id: number;
  closed = false;
  /** Last input, in engine clock ms (coarse). */
  lastActive: number;
  protocol: 2 | 3 = 2;
  db: number;
  name: string | null = null;
  user: string | null = null;
  authed: boolean;
  /** sha256 of the credentials this session authenticated with (re-checked when auth settings change). */
  authDigest: Buffer | null = null;

  private closing = false;
  private shared: BackendConn;
  private dedicated: BackendConn | null = null;
  private dest: BackendConn | null = null;
  /** Replies outstanding on `dest`; the session only switches destination at 0. */
  inflight = 0;

  private inMulti = false;
  private watching = false;
  blocking = 0;
  subscribed = false;
  monitor = false;
  private sticky = false;
  private pendingSubConfirms = 0;
  private normalSubs = 0;
  private shardSubs = 0;
  /** False after a subscribe-family command until a barrier PING came back. */
  private subSynced = true;
  private barrierSent = false;
  private pubsubUsed = false;

  private queue: RespCommand[] | null = null;
  private qi = 0;
  private draining = false;
  private fatal: string | null = null;

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

  constructor(
    private readonly engine: Engine,
    readonly socket: net.Socket,
    id: number,
  ) {
    this.id = id;
    this.db = engine.defaultDb;
    this.authed = !engine.authRequired;
    this.lastActive = engine.clock;
    this.shared = engine.sharedConn(2, id);
    this.framer = new RequestFramer(
      (cmd) => this.onCommand(cmd),
      (err) => this.onProtocolError(err.message),
      engine.limits,
    );
  }

  get inTransaction(): boolean {
    return this.inMulti;
  }

  /** Safe to close for inactivity: not blocked, subscribed, monitoring or waiting for a reply. */
  get idleClosable(): boolean {
    return this.inflight === 0 && this.blocking === 0 && !this.subscribed && !this.monitor;
  }

  /**
   * Client bytes buf[start, end), as the interlay reads them (io.ts): often a range of a
   * shared read buffer, valid only during this call. What outlives it is copied (OutQueue,
   * snapshots).
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
    this.socket.pause();
    if (this.queue === null) this.tryFinishFatal();
  }

  private tryFinishFatal(): void {
    if (this.fatal === null || this.closing || this.inflight > 0 || !this.subSynced) return;
    this.pushOut(Buffer.from(`-ERR ${this.fatal.replace(/[\r\n]/g, ' ')}\r\n`));
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
      else if (!this.closing && !this.closed) this.socket.resume();
    }
  }

  /** Routes one command; false when it must wait for earlier replies (the caller queues it). */
  private dispatch(cmd: RespCommand): boolean {
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
    const ok = this.route(cmd, info);
    if (ok) {
      const c = this.engine.counters;
      c.countCommand(info);
      if (!info.known) c.errors.unknown_command++;
    }
    return ok;
  }

  private route(cmd: RespCommand, info: CommandInfo): boolean {
    const kind = kindOf(info);
    if (!this.authed && !(kind === K_LOCAL && AUTH_FREE.has(info.name))) {
      if (!this.local(NOAUTH)) return false;
      this.engine.counters.errors.auth++;
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
      if (!this.local(Buffer.from(`-${decision.error.replace(/[\r\n]/g, ' ')}\r\n`))) return false;
      this.engine.counters.errors.rejected++;
      return true;
    }

    const buf = cmd.buf;
    const start = cmd.start;
    const end = cmd.end;
    switch (kind) {
      case K_PLAIN:
        return this.forwardPlain(buf, start, end);
      case K_SELECT: {
        const n = cmd.argc === 2 ? parseIndex(cmd.arg(1)) : -1;
        if (n < 0 || (this.dedicated === null && n === this.engine.defaultDb)) {
          // Invalid, or the default db while shared: the backend validates; no state changes.
          return this.forwardPlain(buf, start, end);
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
        if (info.name === 'multi') this.inMulti = true;
        else this.watching = true;
        return this.forward(d, buf, start, end, 0, 0);
      }
      case K_TX_END: {
        const d = this.dedicated;
        if (d === null) return this.forwardPlain(buf, start, end);
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
        this.subscribed = this.pendingSubConfirms > 0 || this.normalSubs > 0 || this.shardSubs > 0;
        this.subSynced = false;
        this.dest = d;
        if (!d.sendNoReply(buf, start, end)) this.pushOut(d.unavailableReply);
        return true;
      }
      case K_BLOCKING: {
        if (this.inMulti || !isBlockingCall(argv!, info)) return this.forwardPlain(buf, start, end);
        const d = this.ensureDedicated();
        if (d === null) return false;
        this.blocking++;
        return this.forward(d, buf, start, end, F_BLOCKING, 0);
      }
      case K_CLIENT_REPLY: {
        if (cmd.argc === 3 && cmd.argEquals(2, 'on')) return this.forwardPlain(buf, start, end);
        if (cmd.argc !== 3) return this.forwardPlain(buf, start, end); // the backend answers the syntax error
        return this.local(NO_CLIENT_REPLY);
      }
      case K_AFFINE: {
        if (!isConnectionAffine(argv!, info)) return this.forwardPlain(buf, start, end);
        const d = this.ensureDedicated();
        if (d === null) return false;
        this.sticky = true;
        d.tainted = true;
        if (info.name === 'monitor') this.monitor = true;
        return this.forward(d, buf, start, end, 0, 0);
      }
      default:
        return this.forwardPlain(buf, start, end);
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
        this.forward(this.dedicated, PING, 0, PING.length, F_BARRIER | F_SWALLOW, 0);
      }
      return false;
    }
    return true;
  }

  /** A command with no connection state: shared conn, or the dedicated one while state lasts. */
  private forwardPlain(buf: Buffer, start: number, end: number): boolean {
    const d = this.dedicated;
    if (d !== null) {
      if (this.hasState()) return this.forward(d, buf, start, end, 0, 0);
      if (!this.synced()) return false;
      this.releaseDedicated();
    }
    const s = this.shared;
    if (this.dest !== s && this.inflight > 0) return false;
    return this.forward(s, buf, start, end, 0, 0);
  }

  /** Sends buf[start, end) (one command) to conn; its reply comes back through onReply. */
  private forward(conn: BackendConn, buf: Buffer, start: number, end: number, flags: number, arg: number): boolean {
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
    this.dedicated = this.engine.acquireDedicated(this, this.protocol);
    return this.dedicated;
  }

  private releaseDedicated(): void {
    const d = this.dedicated;
    if (d === null) return;
    this.dedicated = null;
    this.pubsubUsed = false;
    this.engine.releaseDedicated(d, true);
  }

  private local(reply: Buffer): boolean {
    if (!this.synced()) return false;
    this.pushOut(reply);
    return true;
  }

  // ---- Replies -----------------------------------------------------------------------

  /** A reply matched to this session's command (in order): bytes [start, end) of buf. */
  onReply(buf: Buffer, start: number, end: number, type: number, flags: number, arg: number): void {
    this.inflight--;
    if (flags !== 0) {
      if (flags & F_BLOCKING) this.blocking--;
      if (flags & F_SELECT && type === RespType.SimpleString) this.db = arg;
      if (flags & F_BARRIER) {
        this.subSynced = true;
        this.barrierSent = false;
      }
    }
    if (!(flags & F_SWALLOW)) {
      if (type === RespType.Error || type === RespType.BlobError) this.engine.counters.errors.backend_error_reply++;
      this.pushOutRange(buf, start, end);
    }
    if (this.inflight === 0) this.afterSettled();
  }

  /** The command's backend conn failed (or was down): an error reply stands in for its reply. */
  onReplyFailed(line: Buffer, flags: number): void {
    this.inflight--;
    if (flags & F_BLOCKING) this.blocking--;
    if (flags & F_BARRIER) {
      this.subSynced = true;
      this.barrierSent = false;
    }
    if (!(flags & F_SWALLOW)) this.pushOut(line);
    if (this.inflight === 0) this.afterSettled();
  }

  private afterSettled(): void {
    if (this.queue !== null) this.drain();
    else if (this.fatal !== null) this.tryFinishFatal();
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
    this.subscribed = this.pendingSubConfirms > 0 || this.normalSubs > 0 || this.shardSubs > 0;
    this.pushOutRange(buf, start, end);
    return true;
  }

  /** The dedicated conn broke. Its pending commands already got error replies. */
  onDedicatedLost(conn: BackendConn): void {
    if (this.dedicated !== conn) return;
    this.dedicated = null;
    const hadState = this.inMulti || this.watching || this.subscribed || this.sticky || this.db !== this.engine.defaultDb || this.pubsubUsed;
    this.inMulti = this.watching = this.subscribed = this.sticky = this.monitor = this.pubsubUsed = false;
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
        return this.local(OK);
      }
      case 'client|getname':
        if (cmd.argc !== 2) return this.local(arityError('client|getname'));
        return this.local(
          this.name === null ? (this.protocol === 3 ? NULL3 : NULL2) : encodeReply(Buffer.from(this.name, 'latin1'), this.protocol),
        );
      case 'client|id':
        return this.local(Buffer.from(`:${this.id}\r\n`));
      case 'client|setinfo':
        // Library name/version are per connection; backend conns are shared, so keep them off the backend.
        return this.local(cmd.argc === 4 ? OK : arityError('client|setinfo'));
      default:
        return this.forwardPlain(cmd.buf, cmd.start, cmd.end);
    }
  }

  private cmdAuth(cmd: RespCommand): boolean {
    if (cmd.argc !== 2 && cmd.argc !== 3) return this.local(arityError('auth'));
    const user = cmd.argc === 3 ? cmd.argString(1) : 'default';
    const pass = cmd.arg(cmd.argc - 1);
    if (!this.engine.authRequired && cmd.argc === 2) {
      this.engine.counters.errors.auth++;
      return this.local(AUTH_NOPASS);
    }
    const ok = this.authenticate(user, pass);
    if (!ok) this.engine.counters.errors.auth++;
    return this.local(ok ? OK : WRONGPASS);
  }

  private authenticate(user: string, pass: Buffer): boolean {
    const e = this.engine;
    if (!e.authRequired) {
      // Like Redis with no password: the default user is nopass, no other user exists.
      if (user !== 'default') return false;
      this.authed = true;
      return true;
    }
    if (!e.checkCredentials(user, pass)) return false;
    this.authed = true;
    this.user = user;
    this.authDigest = credentialDigest(user, pass);
    return true;
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
        setname = cmd.arg(i + 1);
        i += 1;
      } else {
        return this.local(Buffer.from(`-ERR Syntax error in HELLO option '${cmd.argString(i).replace(/[\r\n]/g, ' ')}'\r\n`));
      }
    }
    if (authUser !== undefined && !this.authenticate(authUser, authPass!)) {
      this.engine.counters.errors.auth++;
      return this.local(WRONGPASS);
    }
    if (!this.authed) {
      this.engine.counters.errors.auth++;
      return this.local(NOAUTH_HELLO);
    }
    if (setname !== undefined) {
      if (!validName(setname)) return this.local(BAD_NAME);
      this.name = setname.length === 0 ? null : setname.toString('latin1');
    }
    if (proto !== this.protocol) {
      this.protocol = proto;
      this.shared = this.engine.sharedConn(proto, this.id);
      // A dedicated conn keeps serving this client: switch its protocol too (reply swallowed, in order).
      if (this.dedicated !== null) {
        const hello = encodeCommand(['HELLO', proto]);
        this.forward(this.dedicated, hello, 0, hello.length, F_SWALLOW, 0);
      }
    }
    const info = this.engine.serverInfo ?? { server: 'redis', version: '0.0.0', mode: 'standalone' };
    const b = (s: string) => Buffer.from(s);
    const fields: [RespValue, RespValue][] = [
      [b('server'), b(info.server)],
      [b('version'), b(info.version)],
      [b('proto'), proto],
      [b('id'), this.id],
      [b('mode'), b(info.mode)],
      [b('role'), b('master')],
      [b('modules'), []],
    ];
    this.pushOut(encodeReply(new RespMap(fields), proto));
    return true;
  }

  private cmdReset(): void {
    const d = this.dedicated;
    if (d !== null) {
      this.dedicated = null;
      this.engine.releaseDedicated(d, false);
    }
    this.inMulti = this.watching = this.subscribed = this.sticky = this.monitor = this.pubsubUsed = false;
    this.blocking = 0;
    this.pendingSubConfirms = this.normalSubs = this.shardSubs = 0;
    this.subSynced = true;
    this.barrierSent = false;
    this.protocol = 2;
    this.shared = this.engine.sharedConn(2, this.id);
    this.dest = null;
    this.db = this.engine.defaultDb;
    this.name = null;
    this.user = null;
    this.authDigest = null;
    this.authed = !this.engine.authRequired;
    this.pushOut(RESET_REPLY);
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
    if (this.closing) this.socket.end();
  }

  /** No more input; close once queued output is written. */
  endAfterFlush(): void {
    this.closing = true;
    this.socket.pause();
    if (!this.dirty) this.socket.end();
  }

  /** The client socket closed (or is being closed by the engine). */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.clear();
    this.queue = null;
    const d = this.dedicated;
    if (d !== null) {
      this.dedicated = null;
      this.engine.releaseDedicated(d, this.inflight === 0 && !this.hasState() && this.subSynced && !this.pubsubUsed);
    }
  }
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
