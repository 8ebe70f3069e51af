/**
 * Checks the table against a real redis-server: key positions against the server's
 * own COMMAND GETKEYS, and the parsing of a live COMMAND INFO reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../test/redis-server';
import { commandTable, keyPositions, mergeCommandInfo, parseCommandInfoReply } from './index';

describe('command table against redis-server', () => {
  let server: RedisServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await redis.connect();
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  /** What the server says the keys are; [] when it says the command has none. */
  async function serverKeys(argv: string[]): Promise<string[]> {
    try {
      return (await redis.call('COMMAND', 'GETKEYS', ...argv)) as string[];
    } catch (err) {
      if (/no key arguments|Invalid arguments/i.test(String(err))) return [];
      throw err;
    }
  }

  const calls = [
    'GET k', 'SET k v EX 10', 'MSET a 1 b 2', 'DEL a b c', 'MGET a b', 'BLPOP a b 0', 'BITOP AND d s1 s2', 'RENAME a b',
    'OBJECT ENCODING k', 'MEMORY USAGE k', 'XINFO STREAM s', 'XGROUP CREATE s g $',
    'EVAL s 2 k1 k2 a', 'EVALSHA 0123 1 k a', 'EVAL_RO s 1 k', 'FCALL f 2 a b x', 'FCALL_RO f 1 a',
    'ZUNIONSTORE d 2 a b WEIGHTS 1 2', 'ZINTERSTORE d 1 a', 'ZDIFFSTORE d 2 a b', 'ZUNION 2 a b', 'ZINTER 2 a b', 'ZDIFF 2 a b',
    'ZINTERCARD 2 a b', 'SINTERCARD 2 a b LIMIT 1', 'LMPOP 2 a b LEFT', 'ZMPOP 1 z MIN', 'BLMPOP 0 2 a b LEFT', 'BZMPOP 0 1 z MAX',
    'XREAD COUNT 2 STREAMS s1 s2 0 0', 'XREAD BLOCK 0 STREAMS s $', 'XREADGROUP GROUP streams c NOACK STREAMS a b > >',
    'SORT k BY w_* LIMIT 0 10 GET x ALPHA STORE dst', 'SORT k', 'SORT_RO k',
    'MIGRATE h 6379 k 0 100', 'MIGRATE h 6379 "" 0 100 COPY REPLACE AUTH keys KEYS a b',
    'GEORADIUS g 15 37 200 km STORE dst', 'GEORADIUS g 15 37 200 km STOREDIST dst COUNT 3', 'GEORADIUSBYMEMBER g m 100 km STORE dst',
    'WATCH a b', 'SUBSCRIBE c', 'PING x', 'FLUSHALL ASYNC',
  ];

  it.each(calls)('keyPositions matches COMMAND GETKEYS: %s', async (line) => {
    const argv = line.split(' ').map((a) => (a === '""' ? '' : a));
    const ours = keyPositions(argv).map((i) => argv[i]);
    expect(ours).toEqual(await serverKeys(argv));
  });

  it('knows every command the server reports, and merging its COMMAND INFO adds nothing', async () => {
    const reply = await redis.call('COMMAND');
    const live = parseCommandInfoReply(reply);
    expect(Object.keys(live).length).toBeGreaterThan(200);
    const missing = Object.keys(live).filter((n) => commandTable.lookup(n) === undefined);
    expect(missing).toEqual([]);
    for (const [name, spec] of Object.entries(live)) {
      for (const sub of Object.keys(spec.subcommands ?? {})) {
        expect(commandTable.classify([name, sub]).known, `${name} ${sub}`).toBe(true);
      }
    }
    expect(mergeCommandInfo(reply).size).toBe(commandTable.size);
  });

  it('agrees with the live server on read/write for the commands both know', async () => {
    const live = parseCommandInfoReply(await redis.call('COMMAND'));
    const disagree: string[] = [];
    for (const [name, spec] of Object.entries(live)) {
      const info = commandTable.lookup(name)!;
      if (info.isRead !== spec.flags.includes('readonly')) disagree.push(`${name}: readonly`);
      if (spec.flags.includes('write') && !info.isWrite) disagree.push(`${name}: write`);
    }
    expect(disagree).toEqual([]);
  });
});
