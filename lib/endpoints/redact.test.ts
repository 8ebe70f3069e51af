import { describe, expect, it } from 'vitest';
import { RespMap, RespSet, type RespValue } from '../resp/types';
import { REDACTED, redactReplies } from './redact';

const b = (s: string) => Buffer.from(s);

describe('redactReplies', () => {
  it('redacts secret CONFIG GET values by the names in the reply, RESP2 and RESP3, any case or spelling', () => {
    const resp2: RespValue = [b('requirepass'), b('pw'), b('maxmemory'), b('0'), b('MASTERAUTH'), b('x')];
    const resp3 = new RespMap([[b('tls_key_file_pass'), b('k')], [b('port'), b('6379')]]);
    const [r2, r3] = redactReplies([['CONFIG', 'GET', '*'], ['config', 'get', '*']], [resp2, resp3]);
    expect(r2).toEqual([b('requirepass'), REDACTED, b('maxmemory'), b('0'), b('MASTERAUTH'), REDACTED]);
    expect((r3 as RespMap).entries).toEqual([[b('tls_key_file_pass'), REDACTED], [b('port'), b('6379')]]);
  });

  it('redacts SENTINEL CONFIG GET, which the command table does not know', () => {
    expect(redactReplies([['SENTINEL', 'CONFIG', 'GET', '*']], [[b('sentinel-pass'), b('s'), b('loglevel'), b('notice')]])).toEqual([[b('sentinel-pass'), REDACTED, b('loglevel'), b('notice')]]);
  });

  it('redacts inside MULTI/EXEC by the queued commands, and leaves other replies alone', () => {
    const argvs = [['MULTI'], ['GET', 'requirepass'], ['CONFIG', 'GET', 'requirepass'], ['EXEC'], ['GET', 'k']];
    const replies: RespValue[] = ['OK', 'QUEUED', 'QUEUED', [b('requirepass'), [b('requirepass'), b('pw')]], b('requirepass')];
    expect(redactReplies(argvs, replies)).toEqual(['OK', 'QUEUED', 'QUEUED', [b('requirepass'), [b('requirepass'), REDACTED]], b('requirepass')]);
    // After DISCARD nothing is queued any more.
    expect(redactReplies([['MULTI'], ['CONFIG', 'GET', 'x'], ['DISCARD'], ['CONFIG', 'GET', 'requirepass']], ['OK', 'QUEUED', 'OK', [b('requirepass'), b('pw')]])[3]).toEqual([b('requirepass'), REDACTED]);
  });

  it('hides ACL password hashes, keeping their count', () => {
    const hash = 'a'.repeat(64);
    const user2 = [b('flags'), [b('on')], b('passwords'), [b(hash), b(hash)], b('commands'), b('+@all')];
    const user3 = new RespMap([[b('passwords'), new RespSet([b(hash)])]]);
    const [u2, u3, list] = redactReplies([['ACL', 'GETUSER', 'u'], ['ACL', 'GETUSER', 'u'], ['ACL', 'LIST']], [user2, user3, [b(`user u on #${hash} ~* +@all`), 'user default on nopass']]);
    expect((u2 as RespValue[])[3]).toEqual([REDACTED, REDACTED]);
    expect(((u3 as RespMap).entries[0]![1] as RespSet).items).toEqual([REDACTED]);
    expect(list).toEqual([b('user u on #<redacted> ~* +@all'), 'user default on nopass']);
  });
});
