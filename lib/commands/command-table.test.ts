import { describe, expect, it } from 'vitest';
import bundled from '@ioredis/commands/built/commands.json' with { type: 'json' };
import {
  BUNDLED_SPECS,
  UNKNOWN_COMMAND,
  classify,
  commandTable,
  describeForLog,
  explainRefusal,
  isBlockingCall,
  isConnectionAffine,
  isReadOnlyCall,
  keyPositions,
  lookupCommand,
  mergeCommandInfo,
  parseCommandInfoReply,
  type Argv,
  type RawCommandSpec,
} from './index';
import { KEY_FINDERS } from './key-positions';

const specs = bundled as Record<string, RawCommandSpec>;
/** Splits a command line on spaces; `''` stands for an empty argument. */
const cmd = (line: string): string[] => line.split(' ').map((a) => (a === "''" ? '' : a));
const buf = (line: string): Buffer[] => cmd(line).map((a) => Buffer.from(a));
/** The key arguments themselves, easier to read than indexes. */
const keys = (argv: Argv): string[] => keyPositions(argv).map((i) => String(argv[i]));

describe('metadata coverage', () => {
  it('has every command and subcommand of @ioredis/commands, with its arity and flags', () => {
    expect(commandTable.size).toBe(Object.keys(specs).length);
    for (const [name, spec] of Object.entries(specs)) {
      const info = lookupCommand(name);
      expect(info, name).toBeDefined();
      expect(info!.arity).toBe(spec.arity);
      expect(info!.flags).toEqual(spec.flags);
      expect(lookupCommand(Buffer.from(name.toUpperCase()))).toBe(info);
      for (const [sub, subSpec] of Object.entries(spec.subcommands ?? {})) {
        const s = classify([name, sub]);
        expect(s.name, `${name}|${sub}`).toBe(`${name}|${sub}`);
        expect(s.known).toBe(true);
        expect(s.arity).toBe(subSpec.arity);
        expect(s.flags).toEqual(subSpec.flags);
      }
    }
  });

  it('derives isRead/isWrite/isAdmin/isBlocking/isPubSub from the flags', () => {
    for (const [name, spec] of Object.entries(specs)) {
      const info = lookupCommand(name)!;
      expect(info.isRead, name).toBe(spec.flags.includes('readonly'));
      expect(info.isAdmin, name).toBe(spec.flags.includes('admin'));
      expect(info.isBlocking, name).toBe(spec.flags.includes('blocking'));
      expect(info.isPubSub, name).toBe(spec.flags.includes('pubsub'));
      if (spec.flags.includes('write')) expect(info.isWrite, name).toBe(true);
      expect(info.isRead && info.isWrite, name).toBe(false);
    }
  });

  it('has a key parser for every movable-keys command', () => {
    const movable = Object.entries(BUNDLED_SPECS).filter(([, s]) => s.flags.includes('movablekeys')).map(([n]) => n);
    expect(movable.length).toBeGreaterThan(20);
    for (const n of movable) expect(KEY_FINDERS.has(n), n).toBe(true);
  });

  it('never mirrors a command that is not a write, except SCRIPT LOAD', () => {
    for (const name of Object.keys(specs)) {
      const info = lookupCommand(name)!;
      if (info.mirror) expect(info.isWrite, name).toBe(true);
    }
    expect(classify(cmd('SCRIPT LOAD return 1')).mirror).toBe(true);
  });

  it('decides how each live write is mirrored: replayed, by state, as a barrier, or published to both sides', () => {
    const mode = (line: string) => classify(cmd(line)).mirrorMode;
    for (const line of ['SET k v', 'INCR k', 'HSET h f v', 'LPUSH l a', 'ZINCRBY z 1 m', 'EXPIRE k 10', 'PERSIST k', 'DEL k', 'RENAME a b', 'LTRIM l 0 1', 'SCRIPT LOAD return 1']) {
      expect(mode(line), line).toBe('command');
    }
    for (const line of ['SPOP s', 'INCRBYFLOAT k 1.5', 'XADD s * f v', 'EVAL s 1 k', 'EVALSHA abc 0', 'FCALL f 0', 'BLPOP l 0', 'MOVE k 1', 'COPY a b DB 1', 'XREADGROUP GROUP g c STREAMS s >']) {
      expect(mode(line), line).toBe('state');
    }
    for (const line of ['FLUSHDB', 'FLUSHALL', 'SWAPDB 0 1', 'FUNCTION FLUSH']) expect(mode(line), line).toBe('barrier');
    expect(mode('PUBLISH ch m')).toBe('publish');
    for (const line of ['GET k', 'CONFIG SET x y', 'MIGRATE h 1 k 0 1', 'NOSUCH x', 'EVAL_RO s 0']) expect(mode(line), line).toBe('none');
    // Every write that is not a wipe has a way to the other side, except those never mirrored by design.
    for (const name of Object.keys(specs)) {
      const info = lookupCommand(name)!;
      if (info.mirror) expect(['command', 'state'], name).toContain(info.mirrorMode);
    }
  });
});

describe('lookup', () => {
  it('is case-insensitive for strings and Buffers', () => {
    const get = lookupCommand('get');
    expect(get?.name).toBe('get');
    for (const spelling of ['GET', 'Get', 'gEt']) {
      expect(lookupCommand(spelling)).toBe(get);
      expect(lookupCommand(Buffer.from(spelling))).toBe(get);
    }
    expect(lookupCommand(Buffer.from('restore-ASKING'))?.name).toBe('restore-asking');
    expect(lookupCommand(Buffer.from('georadius_RO'))?.name).toBe('georadius_ro');
  });

  it('returns undefined for unknown or odd names, including non-ASCII and empty', () => {
    for (const n of ['FOO', '', 'g', 'getx', 'ǵet', 'x'.repeat(100)]) {
      expect(lookupCommand(n)).toBeUndefined();
      expect(lookupCommand(Buffer.from(n))).toBeUndefined();
    }
    // Case folding is ASCII only: 0xC7 must not fold onto 'g'.
    expect(lookupCommand(Buffer.from([0xc7, 0x45, 0x54]))).toBeUndefined();
  });

  it('resolves container subcommands from the first argument, by Buffer too', () => {
    expect(classify(buf('client SetName app')).name).toBe('client|setname');
    expect(classify(buf('CONFIG GET maxmemory')).displayName).toBe('CONFIG GET');
    expect(classify(buf('XINFO STREAM s')).name).toBe('xinfo|stream');
    expect(classify(buf('OBJECT ENCODING k')).name).toBe('object|encoding');
    expect(classify(buf('SCRIPT LOAD x')).name).toBe('script|load');
    expect(classify(buf('MEMORY USAGE k')).name).toBe('memory|usage');
    expect(classify(buf('ACL WHOAMI')).name).toBe('acl|whoami');
    expect(classify(buf('FUNCTION LIST')).name).toBe('function|list');
    expect(classify(buf('PUBSUB CHANNELS')).name).toBe('pubsub|channels');
    expect(classify(buf('CLUSTER INFO')).name).toBe('cluster|info');
    expect(classify(buf('COMMAND COUNT')).name).toBe('command|count');
    expect(classify(buf('MODULE LIST')).name).toBe('module|list');
    // A container alone is its own entry (COMMAND with no subcommand is valid).
    expect(classify(['COMMAND']).name).toBe('command');
    expect(classify(['COMMAND']).hasSubcommands).toBe(true);
  });

  it('gives unknown commands and subcommands the safe default', () => {
    for (const argv of [cmd('FOO a b'), cmd('CONFIG FROB x'), buf('CLIENT NOPE'), []]) {
      const info = classify(argv);
      expect(info).toBe(UNKNOWN_COMMAND);
      expect(info.known).toBe(false);
      expect(info.isRead).toBe(false);
      expect(info.mirror).toBe(false);
      expect(info.category).toBe('other');
      expect(keyPositions(argv)).toEqual([]);
      expect(isReadOnlyCall(argv)).toBe(false);
    }
  });
});

describe('classification', () => {
  const row = (line: string) => {
    const argv = cmd(line);
    const i = classify(argv);
    return {
      category: i.category,
      read: i.isRead,
      write: i.isWrite,
      admin: i.isAdmin,
      mirror: i.mirror,
      affine: isConnectionAffine(argv),
      readOnlyCall: isReadOnlyCall(argv),
    };
  };

  it.each([
    ['GET k', { category: 'read', read: true, write: false, admin: false, mirror: false, affine: false, readOnlyCall: true }],
    ['SET k v', { category: 'write', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['MSET a 1 b 2', { category: 'write', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['DEL a b', { category: 'write', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['EVAL s 1 k', { category: 'scripting', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['EVAL_RO s 1 k', { category: 'scripting', read: true, write: false, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['FCALL f 0', { category: 'scripting', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['XREAD STREAMS s 0', { category: 'read', read: true, write: false, admin: false, mirror: false, affine: false, readOnlyCall: true }],
    ['XREAD BLOCK 0 STREAMS s $', { category: 'read', read: true, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
    ['XREADGROUP GROUP g c STREAMS s >', { category: 'write', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['XREADGROUP GROUP g c BLOCK 10 STREAMS s >', { category: 'write', read: false, write: true, admin: false, mirror: true, affine: true, readOnlyCall: false }],
    ['BLPOP q 0', { category: 'write', read: false, write: true, admin: false, mirror: true, affine: true, readOnlyCall: false }],
    ['SUBSCRIBE ch', { category: 'pubsub', read: false, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
    ['PUBLISH ch m', { category: 'pubsub', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['PUBSUB CHANNELS', { category: 'pubsub', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: true }],
    ['CLIENT SETNAME app', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['CLIENT TRACKING ON', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
    ['CLIENT TRACKING OFF', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['CLIENT LIST', { category: 'admin', read: false, write: false, admin: true, mirror: false, affine: false, readOnlyCall: false }],
    ['CONFIG GET maxmemory', { category: 'admin', read: false, write: false, admin: true, mirror: false, affine: false, readOnlyCall: false }],
    ['CONFIG SET maxmemory 1', { category: 'admin', read: false, write: false, admin: true, mirror: false, affine: false, readOnlyCall: false }],
    ['SELECT 0', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['SELECT 3', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
    ['FLUSHALL', { category: 'write', read: false, write: true, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['FLUSHDB ASYNC', { category: 'write', read: false, write: true, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['MULTI', { category: 'transaction', read: false, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
    ['WATCH k', { category: 'transaction', read: false, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
    ['MONITOR', { category: 'admin', read: false, write: false, admin: true, mirror: false, affine: true, readOnlyCall: false }],
    ['PING', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: true }],
    ['INFO memory', { category: 'server', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: true }],
    ['OBJECT ENCODING k', { category: 'read', read: true, write: false, admin: false, mirror: false, affine: false, readOnlyCall: true }],
    ['MEMORY PURGE', { category: 'server', read: false, write: false, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['SCRIPT LOAD s', { category: 'scripting', read: false, write: false, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['FUNCTION LOAD code', { category: 'scripting', read: false, write: true, admin: false, mirror: true, affine: false, readOnlyCall: false }],
    ['FUNCTION FLUSH', { category: 'scripting', read: false, write: true, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['MIGRATE h 6379 k 0 100', { category: 'write', read: false, write: true, admin: false, mirror: false, affine: false, readOnlyCall: false }],
    ['READONLY', { category: 'connection', read: false, write: false, admin: false, mirror: false, affine: true, readOnlyCall: false }],
  ])('%s', (line, expected) => {
    expect(row(line)).toEqual(expected);
  });

  it('marks the wipes destructive and the connection commands the proxy handles', () => {
    for (const n of ['FLUSHALL', 'FLUSHDB', 'SWAPDB']) expect(lookupCommand(n)!.destructive).toBe(true);
    expect(classify(cmd('FUNCTION FLUSH')).destructive).toBe(true);
    expect(lookupCommand('DEL')!.destructive).toBe(false);
    const conn = ['AUTH p', 'HELLO 3', 'SELECT 1', 'QUIT', 'RESET', 'CLIENT SETNAME a', 'CLIENT GETNAME', 'CLIENT ID', 'CLIENT INFO', 'ECHO x', 'PING'];
    for (const l of conn) expect(classify(cmd(l)).isConnectionCommand, l).toBe(true);
    for (const l of ['GET k', 'CLIENT LIST', 'CLIENT TRACKING ON']) expect(classify(cmd(l)).isConnectionCommand, l).toBe(false);
  });

  it('isBlockingCall: XREAD/XREADGROUP only with BLOCK, the rest always', () => {
    expect(isBlockingCall(cmd('XREAD COUNT 10 STREAMS s 0'))).toBe(false);
    expect(isBlockingCall(cmd('xread count 10 block 5 streams s 0'))).toBe(true);
    // "block" as a stream name after STREAMS is not the option.
    expect(isBlockingCall(cmd('XREAD STREAMS block 0'))).toBe(false);
    expect(isBlockingCall(cmd('XREADGROUP GROUP block c NOACK STREAMS s >'))).toBe(false);
    expect(isBlockingCall(buf('XREADGROUP GROUP g c BLOCK 0 STREAMS s >'))).toBe(true);
    for (const l of ['WAIT 1 0', 'WAITAOF 1 0 0', 'BLPOP a 0', 'BRPOP a 0', 'BLMOVE a b LEFT RIGHT 0', 'BRPOPLPUSH a b 0', 'BZPOPMIN z 0', 'BZPOPMAX z 0', 'BLMPOP 0 1 a LEFT', 'BZMPOP 0 1 z MIN']) {
      expect(isBlockingCall(cmd(l)), l).toBe(true);
      expect(isConnectionAffine(cmd(l)), l).toBe(true);
    }
    expect(isBlockingCall(cmd('LPOP a'))).toBe(false);
  });

  it('isConnectionAffine for connection-state changes', () => {
    const affine = ['UNSUBSCRIBE', 'PSUBSCRIBE p*', 'SSUBSCRIBE s', 'SUNSUBSCRIBE', 'PUNSUBSCRIBE', 'EXEC', 'DISCARD', 'UNWATCH',
      'CLIENT REPLY OFF', 'CLIENT REPLY SKIP', 'CLIENT CACHING yes', 'CLIENT NO-EVICT on', 'CLIENT NO-TOUCH ON', 'RESET', 'READWRITE', 'ASKING', 'SELECT x'];
    for (const l of affine) expect(isConnectionAffine(cmd(l)), l).toBe(true);
    const shared = ['CLIENT REPLY ON', 'CLIENT NO-EVICT off', 'CLIENT NO-TOUCH OFF', 'CLIENT SETNAME a', 'AUTH p', 'HELLO 3', 'PUBLISH c m', 'GET k', 'SELECT 0'];
    for (const l of shared) expect(isConnectionAffine(cmd(l)), l).toBe(false);
    expect(isConnectionAffine(buf('select 12'))).toBe(true);
  });
});

describe('keyPositions', () => {
  it.each([
    ['GET k', ['k']],
    ['SET k v EX 10', ['k']],
    ['MSET a 1 b 2 c 3', ['a', 'b', 'c']],
    ['DEL a b c', ['a', 'b', 'c']],
    ['BLPOP a b 0', ['a', 'b']],
    ['BITOP AND dst s1 s2', ['dst', 's1', 's2']],
    ['OBJECT ENCODING k', ['k']],
    ['MEMORY USAGE k SAMPLES 5', ['k']],
    ['XINFO STREAM s FULL', ['s']],
    ['XGROUP CREATE s g $', ['s']],
    ['PING', []],
    ['MSET a', ['a']],
    ['GET', []],
    // numkeys families
    ['EVAL script 2 k1 k2 a1', ['k1', 'k2']],
    ['EVALSHA sha 1 k1 a1 a2', ['k1']],
    ['EVAL_RO s 0 a1', []],
    ['EVALSHA_RO sha 1 k', ['k']],
    ['FCALL f 2 k1 k2', ['k1', 'k2']],
    ['FCALL_RO f 1 k1 x', ['k1']],
    ['EVAL s 3 k1', []], // numkeys larger than the arguments: the server rejects it
    ['EVAL s -1 k1', []],
    ['ZUNIONSTORE dst 2 a b WEIGHTS 1 2', ['dst', 'a', 'b']],
    ['ZINTERSTORE dst 1 a', ['dst', 'a']],
    ['ZDIFFSTORE dst 2 a b', ['dst', 'a', 'b']],
    ['ZUNION 2 a b WITHSCORES', ['a', 'b']],
    ['ZINTER 2 a b', ['a', 'b']],
    ['ZDIFF 2 a b', ['a', 'b']],
    ['ZINTERCARD 2 a b LIMIT 1', ['a', 'b']],
    ['SINTERCARD 2 a b', ['a', 'b']],
    ['LMPOP 2 a b LEFT COUNT 2', ['a', 'b']],
    ['ZMPOP 1 z MIN', ['z']],
    ['BLMPOP 0 2 a b LEFT', ['a', 'b']],
    ['BZMPOP 1.5 1 z MAX', ['z']],
    ['MSETEX 2 a 1 b 2 EX 10', ['a', 'b']],
    // STREAMS
    ['XREAD COUNT 2 STREAMS s1 s2 0 0', ['s1', 's2']],
    ['XREAD BLOCK 0 STREAMS s $', ['s']],
    ['XREAD STREAMS s1 s2 0', []], // odd: malformed
    ['XREADGROUP GROUP streams c COUNT 1 NOACK STREAMS a b > >', ['a', 'b']],
    ['XREADGROUP GROUP g c BLOCK 0 STREAMS s >', ['s']],
    // SORT STORE
    ['SORT k', ['k']],
    ['SORT k BY w_* LIMIT 0 10 GET store ALPHA STORE dst', ['k', 'dst']],
    ['SORT k STORE d1 STORE d2', ['k', 'd2']],
    ['SORT_RO k BY x', ['k']],
    // MIGRATE KEYS
    ['MIGRATE h 6379 k 0 100', ['k']],
    ["MIGRATE h 6379 '' 0 100 COPY REPLACE KEYS a b", ['a', 'b']],
    ["MIGRATE h 6379 '' 0 100 AUTH keys KEYS a", ['a']],
    ["MIGRATE h 6379 '' 0 100 AUTH2 u keys KEYS a b", ['a', 'b']],
    ["MIGRATE h 6379 '' 0 100", []],
    // GEORADIUS STORE/STOREDIST
    ['GEORADIUS g 15 37 200 km WITHDIST', ['g']],
    ['GEORADIUS g 15 37 200 km STORE dst', ['g', 'dst']],
    ['GEORADIUS g 15 37 200 km STOREDIST dst COUNT 3', ['g', 'dst']],
    ['GEORADIUSBYMEMBER g m 100 km STORE dst', ['g', 'dst']],
    ['GEORADIUS_RO g 15 37 200 km', ['g']],
  ])('%s', (line, expected) => {
    expect(keys(cmd(line))).toEqual(expected);
    expect(keys(buf(line))).toEqual(expected);
  });

  it('accepts the classification it already made', () => {
    const argv = cmd('EVAL s 1 k');
    const info = classify(argv);
    expect(keyPositions(argv, info)).toEqual([3]);
  });
});

describe('read connection policy', () => {
  it.each([
    ['SET k v', 'SET is a write command; use /write'],
    ['CONFIG SET maxmemory 1', 'CONFIG SET is an admin command'],
    ['CONFIG GET maxmemory', 'CONFIG GET is an admin command'],
    ['FOO bar', 'unknown command FOO is not allowed on the read connection'],
    ['config frob', 'unknown command CONFIG FROB is not allowed on the read connection'],
    ['EVAL_RO s 0', 'EVAL_RO runs or manages scripts; use /write'],
    ['XREAD BLOCK 0 STREAMS s $', 'XREAD with BLOCK blocks the connection and is not allowed on the read connection'],
    ['WAIT 1 0', 'WAIT blocks the connection and is not allowed on the read connection'],
    ['SUBSCRIBE c', 'SUBSCRIBE is a pub/sub command and is not allowed on the read connection'],
    ['PUBLISH c m', 'PUBLISH is a pub/sub command and is not allowed on the read connection'],
    ['MULTI', 'MULTI is a transaction command; the read connection runs single commands'],
    ['SELECT 3', 'SELECT changes connection state and is not allowed on the read connection'],
    ['CLIENT', 'CLIENT needs a subcommand'],
    ['MEMORY PURGE', 'MEMORY PURGE is not a read-only command'],
    ['FLUSHALL', 'FLUSHALL is a write command; use /write'],
  ])('refuses %s', (line, reason) => {
    expect(isReadOnlyCall(cmd(line))).toBe(false);
    expect(explainRefusal(cmd(line))).toBe(reason);
    expect(explainRefusal(buf(line))).toBe(reason);
  });

  it.each(['GET k', 'MGET a b', 'HGETALL h', 'SCAN 0 MATCH x*', 'XREAD STREAMS s 0', 'TTL k', 'DBSIZE', 'PING', 'ECHO x', 'INFO', 'TIME',
    'COMMAND COUNT', 'COMMAND', 'OBJECT ENCODING k', 'MEMORY USAGE k', 'XINFO STREAM s', 'CLIENT GETNAME', 'ACL WHOAMI', 'CONFIG HELP'])('allows %s', (line) => {
    expect(isReadOnlyCall(cmd(line))).toBe(true);
    expect(explainRefusal(cmd(line))).toBeUndefined();
  });
});

describe('describeForLog', () => {
  it('shows the name and keys, never the other arguments', () => {
    expect(describeForLog(cmd('AUTH user secret'))).toBe('AUTH [+2 args]');
    expect(describeForLog(cmd('SET user:1 secret EX 10'))).toBe('SET user:1 [+3 args]');
    expect(describeForLog(buf('config set requirepass pw'))).toBe('CONFIG SET [+2 args]');
    expect(describeForLog(cmd('EVAL body 1 k'))).toBe('EVAL k [+2 args]');
    expect(describeForLog(cmd('PING'))).toBe('PING');
    expect(describeForLog(cmd('frob secret'))).toBe('FROB [+1 args]');
  });
});

describe('mergeCommandInfo', () => {
  // Shaped as COMMAND INFO answers over RESP2 (Redis 7): [name, arity, flags, first, last, step, acl, tips, keyspecs, subcommands]
  const reply = [
    ['json.set', -4, ['write', 'denyoom', 'module'], 1, 1, 1, [], [], [], []],
    [Buffer.from('JSON.GET'), -2, new Set(['readonly', 'module']), 1, 1, 1, [], [], [], []],
    ['get', 2, ['write'], 0, 0, 0, [], [], [], []], // must not override the bundled entry
    ['config', -2, [], 0, 0, 0, [], [], [], [['config|frob', 2, ['admin'], 0, 0, 0, [], [], [], []]]],
    null,
    'garbage',
  ];

  it('parses entries, RESP2 and RESP3 flags, subcommands; skips nil and malformed ones', () => {
    const parsed = parseCommandInfoReply(reply);
    expect(Object.keys(parsed).sort()).toEqual(['config', 'get', 'json.get', 'json.set']);
    expect(parsed['json.get']!.flags).toEqual(['readonly', 'module']);
    expect(parsed['config']!.subcommands!['frob']!.flags).toEqual(['admin']);
  });

  it('adds what is missing, keeps what the table has, and leaves the default table alone', () => {
    const merged = mergeCommandInfo(reply);
    expect(merged.lookup('JSON.SET')!.isWrite).toBe(true);
    expect(merged.classify(cmd('json.set k $ 1')).mirror).toBe(true);
    expect(merged.keyPositions(cmd('JSON.GET doc $.a'))).toEqual([1]);
    expect(merged.isReadOnlyCall(cmd('JSON.GET doc'))).toBe(true);
    expect(merged.lookup('get')!.isRead).toBe(true);
    expect(merged.classify(cmd('CONFIG FROB')).isAdmin).toBe(true);
    expect(merged.classify(cmd('CONFIG GET x')).name).toBe('config|get');
    expect(merged.size).toBe(commandTable.size + 2);
    expect(lookupCommand('json.set')).toBeUndefined();
    expect(classify(cmd('CONFIG FROB')).known).toBe(false);
  });
});
