import { describe, expect, it } from 'vitest';
import { RespError, type RespValue } from '../../resp/types';
import { endpoint, resources, roleConn } from '../test-fixtures';
import { acl, argvFor } from './acl';

/** A connection stand-in whose ACL denies `denied` commands (DRYRUN answers like Redis 7). */
function fakeConn(denied: string[], opts: { dryrun: boolean }) {
  const deny = (cmd: string) => denied.includes(cmd.toUpperCase());
  const answer = (argv: RespValue[]): RespValue => {
    const a = argv.map((x) => String(x));
    if (a[0]!.toUpperCase() === 'ACL') {
      if (!opts.dryrun) return new RespError("ERR unknown subcommand 'DRYRUN'");
      return deny(a[3]!) ? Buffer.from(`This user has no permissions to run the '${a[3]!.toLowerCase()}' command`) : 'OK';
    }
    if (deny(a[0]!)) return new RespError(`NOPERM this user has no permissions to run the '${a[0]!.toLowerCase()}' command`);
    return 0;
  };
  return {
    call: async (...argv: RespValue[]) => answer(argv),
    pipeline: async (cmds: RespValue[][]) => cmds.map(answer),
  } as never;
}

describe('acl check', () => {
  it('reports a missing DUMP for the source read user via ACL DRYRUN (blocking), and passes when all is allowed', async () => {
    const source = endpoint('src', 'source', { roles: { read: roleConn('read', { conn: fakeConn(['DUMP'], { dryrun: true }), settings: { ...roleConn('read').settings, username: 'limited' } }), write: roleConn('write', { conn: fakeConn([], { dryrun: true }) }) } });
    const target = endpoint('tgt', 'target', { roles: { read: roleConn('read', { conn: fakeConn([], { dryrun: true }) }), write: roleConn('write', { conn: fakeConn([], { dryrun: true }) }) } });
    const f = await acl.run(resources({ source, target }));
    expect(f.severity).toBe('blocking');
    expect(f.evidence.missing).toEqual([expect.objectContaining({ role: 'source read', command: 'DUMP', user: 'limited' })]);
    const ok = await acl.run(resources({ source: endpoint('src', 'source', { roles: { read: roleConn('read', { conn: fakeConn([], { dryrun: true }) }) } }), target }));
    expect(ok.severity).toBe('pass');
  });

  it('falls back to NOPERM probes when DRYRUN is unavailable (Redis 6)', async () => {
    const target = endpoint('tgt', 'target', { roles: { write: roleConn('write', { conn: fakeConn(['RESTORE'], { dryrun: false }) }) } }, { redis_version: '6.2.14' });
    const source = endpoint('src', 'source', { roles: { read: roleConn('read', { conn: fakeConn([], { dryrun: false }) }) } }, { redis_version: '6.2.14' });
    const f = await acl.run(resources({ source, target }));
    expect(f.severity).toBe('blocking');
    expect(f.evidence.missing).toEqual([expect.objectContaining({ role: 'target write', command: 'RESTORE' })]);
    expect((f.evidence.checked as { method: string }[]).every((c) => c.method === 'probe')).toBe(true);
  });

  it('pads workload commands to their arity', () => {
    expect(argvFor('set')).toEqual(['SET', '__ri:probe:k', '1']);
    expect(argvFor('nosuchcommand')).toBeNull();
  });
});
