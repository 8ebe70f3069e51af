/**
 * The one command table that decides behaviour (STYLE.md point 9): read or write,
 * key positions, blocking, pub/sub, transaction, connection affinity, admin, and
 * whether a live write is mirrored to the migration target.
 *
 * Every flag is derived from the command metadata (arity, flags, first/last/step
 * keys per command and subcommand) plus a few named policy lists below, each with
 * its reason. The table is immutable: augmenting it from a live server's
 * COMMAND INFO returns a new table.
 *
 * Decisions:
 * - Unknown commands (and unknown subcommands of a known container) classify as
 *   UNKNOWN_COMMAND: known=false, neither read nor write, category 'other', never
 *   mirrored, refused on the console's read connection. Not being a read sends it to
 *   the authoritative side; the caller counts it by `known === false`.
 * - FLUSHALL, FLUSHDB, SWAPDB and FUNCTION FLUSH are writes but `destructive` and
 *   NOT mirrored: replaying a wipe on the target would also erase what the bulk copy
 *   has already written there, and a wipe of the source in the middle of a
 *   migration is an operator event to surface (via `destructive`) rather than
 *   propagate silently. Verification then reports the divergence.
 * - Scripts: EVAL/EVALSHA/FCALL may write (Redis only knows at run time), so they
 *   count as writes and are mirrored by replay; their *_RO forms are reads. SCRIPT
 *   LOAD is mirrored so a later EVALSHA finds the script on the target; FUNCTION
 *   LOAD/DELETE/RESTORE are writes and mirrored. SCRIPT DEBUG/KILL/FLUSH and
 *   FUNCTION KILL are not. The console's read connection refuses every script,
 *   read-only ones included: a script can hold the server busy, and it belongs on
 *   /write where such risks are expected.
 * - MIGRATE and cluster-internal writes (RESTORE-ASKING, TRIMSLOTS) are not
 *   mirrored: the target would push its own copy to a third server.
 * - Blocking writes (BLPOP, XREADGROUP ...) keep mirror=true; the mirror must replay
 *   their effect from the reply rather than block on the target (see isBlocking).
 * - Transaction control (MULTI/EXEC/...) is not mirrored itself: the queued writes
 *   carry mirror=true and the mirror wraps them in its own MULTI/EXEC.
 */
import { createRequire } from 'node:module';
import { argText, isToken, parseCount, type Argv } from './args';
import { CaseInsensitiveTable } from './case-insensitive-table';
import { KEY_FINDERS, NO_KEYS, xreadHasBlock, type KeyFinder } from './key-positions';

/** One command or subcommand as the metadata describes it (the shape of @ioredis/commands). */
export interface RawCommandSpec {
  arity: number;
  flags: readonly string[];
  keyStart: number;
  keyStop: number;
  step: number;
  subcommands?: Readonly<Record<string, RawCommandSpec>>;
}

export type CommandCategory =
  | 'read'
  | 'write'
  | 'admin'
  | 'pubsub'
  | 'transaction'
  | 'connection'
  | 'scripting'
  | 'server'
  | 'other';

export interface CommandInfo {
  /** Small dense number of this entry (0 for UNKNOWN_COMMAND): lets hot paths index arrays instead of Maps. */
  readonly id: number;
  /** False only for UNKNOWN_COMMAND: the caller counts these. */
  readonly known: boolean;
  /** Lowercase; subcommands as Redis names them in ACLs: `client|setname`. */
  readonly name: string;
  /** For messages and metrics: `CLIENT SETNAME`. */
  readonly displayName: string;
  /** The container of a subcommand (`client`), undefined otherwise. */
  readonly container: string | undefined;
  /** Redis arity: N exact, -N at least N, counting the name (and subcommand). */
  readonly arity: number;
  readonly flags: readonly string[];
  readonly keyStart: number;
  readonly keyStop: number;
  readonly step: number;
  /** Keys are found by parsing arguments; see keyPositions. */
  readonly movableKeys: boolean;
  /** True for a container (CLIENT, CONFIG ...) looked up without its subcommand. */
  readonly hasSubcommands: boolean;
  /** May modify the dataset: the `write` flag, or a script that is not *_RO. */
  readonly isWrite: boolean;
  /** The `readonly` flag: only reads the dataset. */
  readonly isRead: boolean;
  readonly isAdmin: boolean;
  /** May block (the `blocking` flag); isBlockingCall(argv) says whether this call does. */
  readonly isBlocking: boolean;
  /** The `pubsub` flag: the subscribe family, PUBLISH/SPUBLISH and PUBSUB introspection. */
  readonly isPubSub: boolean;
  /** SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their UNSUBSCRIBE forms: they put the connection in pub/sub mode. */
  readonly isSubscribe: boolean;
  /** MULTI, EXEC, DISCARD, WATCH, UNWATCH. */
  readonly isTransaction: boolean;
  /** Runs or manages scripts/functions: EVAL*, FCALL*, SCRIPT *, FUNCTION *. */
  readonly isScripting: boolean;
  /** Connection handshake/identity commands the proxy may answer or track itself. */
  readonly isConnectionCommand: boolean;
  /** Keyless, side-effect-free server introspection (PING, INFO, COMMAND COUNT ...); allowed on the read connection. */
  readonly isInspection: boolean;
  /** A write that wipes far more than its arguments name (FLUSHALL, FLUSHDB, SWAPDB, FUNCTION FLUSH). */
  readonly destructive: boolean;
  /** Replay this write on the migration target while mirroring. */
  readonly mirror: boolean;
  /**
   * How a live write reaches the other side while an interlay mirrors (lib/migration):
   * - `command`: replayed as sent, in the order the primary answered (deterministic writes);
   * - `state`: run on the primary only; the keys it touched are copied by state (DUMP/RESTORE)
   *   afterwards (its effect depends on randomness, the server clock, internal layout or
   *   timing: SPOP, INCRBYFLOAT, scripts, XADD, blocking pops, cross-db moves …);
   * - `barrier`: a wipe of whole databases (FLUSHDB, FLUSHALL, SWAPDB, FUNCTION FLUSH):
   *   replayed alone, with nothing else in flight, so its order against every write is known;
   * - `publish`: PUBLISH/SPUBLISH reach both sides (each subscriber is attached to one);
   * - `none`: not mirrored (reads, admin, unknown).
   */
  readonly mirrorMode: MirrorMode;
  readonly category: CommandCategory;
}

export type MirrorMode = 'command' | 'state' | 'barrier' | 'publish' | 'none';

/** Internal: the key finder travels with the entry so keyPositions does one lookup. */
interface Entry extends CommandInfo {
  readonly findKeys: KeyFinder | undefined;
}

interface Container {
  readonly entry: Entry;
  readonly subcommands: CaseInsensitiveTable<Entry> | undefined;
}

// ---- Policy lists (lowercase names; subcommands as container|sub) ----------------

const TRANSACTION = new Set(['multi', 'exec', 'discard', 'watch', 'unwatch']);
const SUBSCRIBE = new Set(['subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe']);
/** Handshake and identity: the proxy answers, tracks or forwards these deliberately. CLIENT SETINFO is sent by every modern client on connect. */
const CONNECTION_COMMANDS = new Set([
  'auth', 'hello', 'select', 'quit', 'reset', 'echo', 'ping',
  'client|setname', 'client|getname', 'client|id', 'client|info', 'client|setinfo',
]);
/** Category 'connection' without being handled by the proxy: cluster/replica connection modes. */
const CONNECTION_CATEGORY_EXTRA = new Set(['readonly', 'readwrite', 'asking']);
/** Pin the client to one server connection for the rest of the session (argument-specific ones in isConnectionAffine). */
const ALWAYS_AFFINE = new Set([
  'monitor', 'sync', 'psync', 'reset', 'readonly', 'readwrite', 'asking', 'client|caching',
]);
const DESTRUCTIVE = new Set(['flushall', 'flushdb', 'swapdb', 'function|flush']);
/**
 * Writes whose effect a replay would not reproduce: randomness (SPOP), float formatting
 * that may differ between versions (INCRBYFLOAT, HINCRBYFLOAT), ids and times from the
 * server clock (XADD `*`, XCLAIM/XAUTOCLAIM idle times, XREADGROUP delivery times),
 * approximate trimming by internal node layout (XADD/XTRIM `~`), code the interlay cannot
 * read (EVAL*, FCALL*), effects that depend on when a blocked call wakes up, and moves
 * across databases (MOVE, COPY … DB). Mirrored by state, for the keys they declare.
 */
const MIRROR_BY_STATE = new Set([
  'spop', 'incrbyfloat', 'hincrbyfloat',
  'xadd', 'xtrim', 'xclaim', 'xautoclaim', 'xreadgroup',
  'eval', 'evalsha', 'fcall',
  'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop',
  'move', 'copy',
]);
const MIRROR_PUBLISH = new Set(['publish', 'spublish']);
const NEVER_MIRROR = new Set(['migrate', 'restore-asking', 'trimslots']);
const ALWAYS_MIRROR = new Set(['script|load']);
const SCRIPTING_CONTAINERS = new Set(['script', 'function']);
/**
 * Side-effect-free, keyless introspection. Explicit because the metadata cannot tell
 * MEMORY STATS (harmless) from MEMORY PURGE (not): both carry no flags.
 */
const INSPECTION = new Set([
  'ping', 'echo', 'time', 'lastsave', 'info', 'role', 'lolwut',
  'command', 'command|count', 'command|docs', 'command|info', 'command|list', 'command|getkeys', 'command|getkeysandflags',
  'memory|stats', 'memory|doctor', 'memory|malloc-stats',
  'pubsub|channels', 'pubsub|numpat', 'pubsub|numsub', 'pubsub|shardchannels', 'pubsub|shardnumsub',
  'client|getname', 'client|id', 'client|info',
  'acl|whoami', 'acl|cat',
  'cluster|info', 'cluster|nodes', 'cluster|slots', 'cluster|shards', 'cluster|myid', 'cluster|myshardid',
  'cluster|keyslot', 'cluster|countkeysinslot', 'cluster|getkeysinslot', 'cluster|links', 'cluster|slot-stats',
]);

let nextEntryId = 1;

/**
 * arr[id] = value for a CommandInfo.id, padding missing slots below it with `fill` so the
 * array stays dense (V8's fast elements): hot paths keep per-command numbers this way.
 */
export function setById(arr: number[], id: number, value: number, fill: number): void {
  while (arr.length < id) arr.push(fill);
  arr[id] = value;
}

function makeEntry(name: string, spec: RawCommandSpec, container?: string): Entry {
  const flags = new Set(spec.flags);
  const isScriptRunner = flags.has('script_runner');
  const isRead = flags.has('readonly');
  const isWrite = flags.has('write') || (isScriptRunner && !isRead);
  const isAdmin = flags.has('admin');
  const isPubSub = flags.has('pubsub');
  const isTransaction = TRANSACTION.has(name);
  const isScripting = isScriptRunner || (container !== undefined && SCRIPTING_CONTAINERS.has(container));
  const isConnectionCommand = CONNECTION_COMMANDS.has(name);
  const destructive = DESTRUCTIVE.has(name);
  const mirror =
    ALWAYS_MIRROR.has(name) || (isWrite && !isAdmin && !destructive && !NEVER_MIRROR.has(name));
  let mirrorMode: MirrorMode = 'none';
  if (destructive) mirrorMode = 'barrier';
  else if (MIRROR_PUBLISH.has(name)) mirrorMode = 'publish';
  else if (mirror) mirrorMode = MIRROR_BY_STATE.has(name) ? 'state' : 'command';
  const hasSubcommands = spec.subcommands !== undefined && Object.keys(spec.subcommands).length > 0;
  const sub = container === undefined ? undefined : name.slice(container.length + 1);

  let category: CommandCategory;
  if (isTransaction) category = 'transaction';
  else if (isPubSub) category = 'pubsub';
  else if (isConnectionCommand || CONNECTION_CATEGORY_EXTRA.has(name) || (container === 'client' && !isAdmin)) category = 'connection';
  else if (isScripting) category = 'scripting';
  else if (isAdmin) category = 'admin';
  else if (isWrite) category = 'write';
  else if (isRead) category = 'read';
  else category = 'server';

  return Object.freeze({
    id: nextEntryId++,
    known: true,
    name,
    displayName: (sub === undefined ? name : `${container} ${sub}`).toUpperCase(),
    container,
    arity: spec.arity,
    flags: Object.freeze([...spec.flags]),
    keyStart: spec.keyStart,
    keyStop: spec.keyStop,
    step: spec.step,
    movableKeys: flags.has('movablekeys'),
    hasSubcommands,
    isWrite,
    isRead,
    isAdmin,
    isBlocking: flags.has('blocking'),
    isPubSub,
    isSubscribe: SUBSCRIBE.has(name),
    isTransaction,
    isScripting,
    isConnectionCommand,
    isInspection: INSPECTION.has(name) || sub === 'help',
    destructive,
    mirror,
    mirrorMode,
    category,
    findKeys: flags.has('movablekeys') ? KEY_FINDERS.get(name) : undefined,
  });
}

/** What classify returns for a command (or subcommand) the table does not know. */
export const UNKNOWN_COMMAND: CommandInfo = Object.freeze({
  id: 0,
  known: false,
  name: 'unknown',
  displayName: 'UNKNOWN',
  container: undefined,
  arity: 0,
  flags: Object.freeze([]),
  keyStart: 0,
  keyStop: 0,
  step: 0,
  movableKeys: false,
  hasSubcommands: false,
  isWrite: false,
  isRead: false,
  isAdmin: false,
  isBlocking: false,
  isPubSub: false,
  isSubscribe: false,
  isTransaction: false,
  isScripting: false,
  isConnectionCommand: false,
  isInspection: false,
  destructive: false,
  mirror: false,
  mirrorMode: 'none',
  category: 'other',
  findKeys: undefined,
} satisfies Entry);

export class CommandTable {
  private readonly containers: CaseInsensitiveTable<Container>;
  /** The specs this table was built from, kept so withCommandInfo can extend them. */
  readonly specs: Readonly<Record<string, RawCommandSpec>>;
  /** Number of top-level commands. */
  readonly size: number;

  constructor(specs: Readonly<Record<string, RawCommandSpec>>) {
    this.specs = specs;
    const rows: [string, Container][] = [];
    for (const [rawName, spec] of Object.entries(specs)) {
      const name = rawName.toLowerCase();
      const subs = spec.subcommands;
      rows.push([
        name,
        {
          entry: makeEntry(name, spec),
          subcommands:
            subs === undefined
              ? undefined
              : new CaseInsensitiveTable(
                  Object.entries(subs).map(([s, sub]) => {
                    const lower = s.toLowerCase();
                    return [lower, makeEntry(`${name}|${lower}`, sub, name)] as const;
                  }),
                ),
      },
      ]);
    }
    this.containers = new CaseInsensitiveTable(rows);
    this.size = rows.length;
  }

  /** Top-level lowercase command names. */
  names(): string[] {
    return Object.keys(this.specs).map((n) => n.toLowerCase());
  }

  /** The top-level command (a container without its subcommand), or undefined. */
  lookup(name: string | Buffer): CommandInfo | undefined {
    return this.containers.get(name)?.entry;
  }

  /**
   * Classifies a whole command (name at argv[0]), resolving a container's subcommand
   * from argv[1]. A container sent without a subcommand (`COMMAND`) is its own entry.
   */
  classify(argv: Argv): CommandInfo {
    const name = argv[0];
    const c = name === undefined ? undefined : this.containers.get(name);
    if (c === undefined) return UNKNOWN_COMMAND;
    if (c.subcommands === undefined || argv.length < 2) return c.entry;
    return c.subcommands.get(argv[1]!) ?? UNKNOWN_COMMAND;
  }

  /**
   * Indexes into argv of the key arguments. Shared empty result when there are
   * none, so treat it as read-only. For a movable-keys command the table has no
   * parser for (a module command merged from COMMAND INFO) this falls back to
   * first/last/step and may miss keys: check `movableKeys`.
   */
  keyPositions(argv: Argv, info: CommandInfo = this.classify(argv)): readonly number[] {
    const e = info as Entry;
    if (e.findKeys !== undefined) return e.findKeys(argv);
    const argc = argv.length;
    if (e.keyStart <= 0 || e.keyStart >= argc || e.step <= 0) return NO_KEYS;
    let last = e.keyStop < 0 ? argc + e.keyStop : e.keyStop;
    if (last >= argc) last = argc - 1;
    if (last < e.keyStart) return NO_KEYS;
    const keys: number[] = [];
    for (let i = e.keyStart; i <= last; i += e.step) keys.push(i);
    return keys;
  }

  /** Whether this call blocks: XREAD/XREADGROUP only with BLOCK; every other blocking command always. */
  isBlockingCall(argv: Argv, info: CommandInfo = this.classify(argv)): boolean {
    if (!info.isBlocking) return false;
    if (info.name === 'xread' || info.name === 'xreadgroup') return xreadHasBlock(argv);
    return true;
  }

  /**
   * Whether this call ties the client to one server connection from now on
   * (the proxy must stop sharing or swapping it). Forms that restore the
   * default (SELECT 0, CLIENT REPLY ON, CLIENT TRACKING OFF, CLIENT NO-EVICT OFF,
   * CLIENT NO-TOUCH OFF) are not: if the state had been changed, the earlier
   * call already pinned the connection. CLIENT SETNAME, AUTH and HELLO are left to
   * the proxy (isConnectionCommand).
   */
  isConnectionAffine(argv: Argv, info: CommandInfo = this.classify(argv)): boolean {
    if (info.isTransaction || info.isSubscribe || ALWAYS_AFFINE.has(info.name)) return true;
    if (this.isBlockingCall(argv, info)) return true;
    switch (info.name) {
      case 'select':
        return parseCount(argv[1]) !== 0;
      case 'client|reply':
        return !isToken(argv[2], 'ON');
      case 'client|tracking':
      case 'client|no-evict':
      case 'client|no-touch':
        return !isToken(argv[2], 'OFF');
      default:
        return false;
    }
  }

  /**
   * True only when the console's read connection may run this call: known,
   * read-only or pure introspection, not admin, not a script, not blocking, and
   * not changing connection state.
   */
  isReadOnlyCall(argv: Argv): boolean {
    return this.refusal(argv) === undefined;
  }

  /** Why the read connection refuses this call, fit to show to the user; undefined when allowed. */
  explainRefusal(argv: Argv): string | undefined {
    const info = this.classify(argv);
    const reason = this.refusal(argv, info);
    if (reason === undefined) return undefined;
    const shown = info.known ? info.displayName : this.unknownName(argv);
    switch (reason) {
      case 'unknown':
        return `unknown command ${shown} is not allowed on the read connection`;
      case 'admin':
        return `${shown} is an admin command`;
      case 'write':
        return `${shown} is a write command; use /write`;
      case 'scripting':
        return `${shown} runs or manages scripts; use /write`;
      case 'transaction':
        return `${shown} is a transaction command; the read connection runs single commands`;
      case 'pubsub':
        return `${shown} is a pub/sub command and is not allowed on the read connection`;
      case 'blocking':
        return `${shown}${info.name.startsWith('xread') ? ' with BLOCK' : ''} blocks the connection and is not allowed on the read connection`;
      case 'connection':
        return `${shown} changes connection state and is not allowed on the read connection`;
      case 'subcommand':
        return `${shown} needs a subcommand`;
      case 'not-read':
        return `${shown} is not a read-only command`;
    }
  }

  /**
   * The command for a log line with arguments redacted: name (and subcommand),
   * then the keys only, then how many other arguments were left out.
   * `AUTH secret` gives `AUTH [+1 args]`; `SET k v` gives `SET k [+1 args]`.
   */
  describeForLog(argv: Argv, info: CommandInfo = this.classify(argv)): string {
    if (argv.length === 0) return '';
    const parts = [info.known ? info.displayName : argText(argv[0]!, 32).toUpperCase()];
    const keys = info.known ? this.keyPositions(argv, info) : NO_KEYS;
    for (const k of keys) parts.push(argText(argv[k]!));
    const consumed = (info.container === undefined ? 1 : 2) + keys.length;
    const hidden = argv.length - Math.min(consumed, argv.length);
    if (hidden > 0) parts.push(`[+${hidden} args]`);
    return parts.join(' ');
  }

  /**
   * A new table that also knows the commands (and subcommands) of a live
   * server's COMMAND INFO reply that this one lacks: modules, newer versions.
   * Entries this table already has are kept as they are, so the proxy behaves the
   * same whatever server version it talks to.
   */
  withCommandInfo(reply: unknown): CommandTable {
    const merged: Record<string, RawCommandSpec> = {};
    for (const [n, s] of Object.entries(this.specs)) merged[n.toLowerCase()] = s;
    for (const [name, spec] of Object.entries(parseCommandInfoReply(reply))) {
      const have = merged[name];
      if (have === undefined) {
        merged[name] = spec;
      } else if (spec.subcommands !== undefined) {
        const subs = { ...spec.subcommands, ...(have.subcommands ?? {}) };
        merged[name] = { ...have, subcommands: subs };
      }
    }
    return new CommandTable(merged);
  }

  private unknownName(argv: Argv): string {
    const first = argv[0] === undefined ? '' : argText(argv[0], 32).toUpperCase();
    const c = argv[0] === undefined ? undefined : this.containers.get(argv[0]);
    return c?.subcommands !== undefined && argv[1] !== undefined ? `${first} ${argText(argv[1], 32).toUpperCase()}` : first;
  }

  private refusal(argv: Argv, info: CommandInfo = this.classify(argv)): RefusalReason | undefined {
    if (!info.known) return 'unknown';
    if (info.isAdmin) return 'admin';
    if (info.isScripting) return 'scripting';
    if (info.isWrite) return 'write';
    if (info.isTransaction) return 'transaction';
    if (info.isSubscribe) return 'pubsub';
    if (this.isBlockingCall(argv, info)) return 'blocking';
    if (this.isConnectionAffine(argv, info)) return 'connection';
    if (info.isInspection) return undefined;
    if (info.isPubSub) return 'pubsub';
    if (info.category === 'connection') return 'connection';
    if (info.hasSubcommands) return 'subcommand';
    return info.isRead ? undefined : 'not-read';
  }
}

type RefusalReason =
  | 'unknown'
  | 'admin'
  | 'write'
  | 'scripting'
  | 'transaction'
  | 'pubsub'
  | 'blocking'
  | 'connection'
  | 'subcommand'
  | 'not-read';

// ---- COMMAND INFO parsing --------------------------------------------------------

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  return undefined;
}

function int(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  const s = text(v);
  return s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined;
}

function parseEntry(raw: unknown): [string, RawCommandSpec] | undefined {
  if (!Array.isArray(raw) || raw.length < 6) return undefined;
  const name = text(raw[0])?.toLowerCase();
  const arity = int(raw[1]);
  const keyStart = int(raw[3]);
  const keyStop = int(raw[4]);
  const step = int(raw[5]);
  if (name === undefined || arity === undefined || keyStart === undefined || keyStop === undefined || step === undefined) {
    return undefined;
  }
  // RESP2 gives the flags as an array of status strings, RESP3 as a set.
  const rawFlags: unknown[] = raw[2] instanceof Set ? [...raw[2]] : Array.isArray(raw[2]) ? raw[2] : [];
  const flags = rawFlags.map(text).filter((f): f is string => f !== undefined).map((f) => f.toLowerCase());
  const spec: RawCommandSpec = { arity, flags, keyStart, keyStop, step };
  // Redis >= 7: [name, arity, flags, first, last, step, acl-categories, tips, key-specs, subcommands]
  if (Array.isArray(raw[9]) && raw[9].length > 0) {
    const subs: Record<string, RawCommandSpec> = {};
    for (const s of raw[9]) {
      const parsed = parseEntry(s);
      if (parsed === undefined) continue;
      const [full, subSpec] = parsed;
      const bar = full.indexOf('|');
      subs[bar < 0 ? full : full.slice(bar + 1)] = subSpec;
    }
    spec.subcommands = subs;
  }
  return [name, spec];
}

/**
 * Parses a COMMAND INFO (or COMMAND) reply into specs keyed by lowercase name.
 * Nil entries (commands the server does not know) and malformed ones are skipped.
 */
export function parseCommandInfoReply(reply: unknown): Record<string, RawCommandSpec> {
  const out: Record<string, RawCommandSpec> = {};
  if (!Array.isArray(reply)) return out;
  for (const raw of reply) {
    const parsed = parseEntry(raw);
    if (parsed !== undefined) out[parsed[0]] = parsed[1];
  }
  return out;
}

/** The bundled metadata, typed loosely: the JSON's inferred literal type adds nothing. */
// Loaded with require, not a JSON import: tsx turns a JSON import into one named export per
// key, and the keys `eval` and `function` are not valid export names in strict mode.
export const BUNDLED_SPECS: Readonly<Record<string, RawCommandSpec>> = createRequire(import.meta.url)('@ioredis/commands/built/commands.json') as Record<string, RawCommandSpec>;
