/**
 * Can each role's user run what the migration needs? Asked with `ACL DRYRUN <user> <cmd>
 * args...` (Redis ≥ 7; run on the admin connection, or the role's own when it may) and,
 * where DRYRUN is missing or refused, by probing on the role's own connection with
 * harmless arguments on a reserved key (`__ri:probe:<uuid>`): a NOPERM reply means denied,
 * any other reply (nil, 0, "no such key", WRONGTYPE, bad payload) means the ACL let it through.
 */
import { lookupCommand } from '../../commands';
import type { RedisConnection } from '../../redis/connection';
import { RespError, type RespArg, type RespValue } from '../../resp/types';
import { connFor, reservedKey } from '../resources';
import { serverOf } from '../facts';
import type { CompatCheck, EndpointFacts, Resources, RoleConn } from '../types';

type Argv = RespArg[];

export interface Need {
  /** Who needs it: "source read", "target write", "mirror write", "source admin", "target admin". */
  purpose: string;
  endpoint: string;
  role: RoleConn;
  commands: Argv[];
  /**
   * A real key name for ACL DRYRUN (a sampled source key): users restricted to key
   * patterns (`~app:*`) would otherwise be reported missing for the reserved probe key.
   * Probes use it only for read-only needs; write probes stay on the reserved key.
   */
  keyHint?: Buffer;
  readOnly?: boolean;
}

export interface AclOutcome {
  purpose: string;
  endpoint: string;
  user: string;
  method: 'dryrun' | 'probe' | 'unavailable';
  allowed: string[];
  missing: { command: string; reason: string }[];
  not_probed: { command: string; reason: string }[];
}

const K = '__ri:probe:k';
/** Source side: the copy's SCAN loop and the analysis. */
export const SOURCE_READ: Argv[] = [['SCAN', '0', 'COUNT', '1'], ['DUMP', K], ['PTTL', K], ['TYPE', K], ['MEMORY', 'USAGE', K], ['INFO']];
/** Target side: RESTORE plus what conflict handling and the type-based fallback write. */
export const TARGET_WRITE: Argv[] = [
  ['RESTORE', K, '0', '\x00'],
  ['DEL', K],
  ['RENAME', K, `${K}:2`],
  ['PEXPIRE', K, '1000'],
  ['SET', K, 'v'],
  ['HSET', K, 'f', 'v'],
  ['RPUSH', K, 'v'],
  ['SADD', K, 'm'],
  ['ZADD', K, '1', 'm'],
  ['XADD', K, '*', 'f', 'v'],
  ['XGROUP', 'CREATE', K, 'g', '$'],
];
export const ADMIN: Argv[] = [['INFO'], ['CLUSTER', 'INFO'], ['MODULE', 'LIST'], ['CONFIG', 'GET', 'maxmemory']];
/** Mirrored writes checked when no workload data names them. */
export const DEFAULT_MIRROR_WRITES = ['SET', 'DEL', 'EXPIRE', 'HSET', 'LPUSH', 'RPUSH', 'SADD', 'ZADD', 'INCR', 'XADD'];

function name(argv: Argv): string {
  const a = String(argv[0]).toUpperCase();
  const sub = ['MEMORY', 'CLUSTER', 'MODULE', 'CONFIG', 'XGROUP'].includes(a) ? ` ${String(argv[1]).toUpperCase()}` : '';
  return a + sub;
}

/** An argv for a write command seen in the workload, padded to its arity so DRYRUN accepts it. */
export function argvFor(command: string): Argv | null {
  const info = lookupCommand(command);
  if (!info?.known || info.hasSubcommands) return null;
  const arity = info.arity;
  const count = Math.max((arity > 0 ? arity : -arity) - 1, 0);
  const args: string[] = [];
  for (let i = 1; i <= count; i++) args.push(info.keyStart === i || (info.keyStart > 0 && i >= info.keyStart && (info.keyStop < 0 || i <= info.keyStop)) ? K : '1');
  return [command.toUpperCase(), ...args];
}

function text(v: RespValue): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function isNoPerm(v: RespValue): v is RespError {
  return v instanceof RespError && v.code === 'NOPERM';
}

async function viaDryrun(conns: RedisConnection[], user: string, commands: Argv[], keyHint?: Buffer): Promise<{ replies: RespValue[] } | null> {
  const key = (a: RespArg): RespArg => (keyHint && a === K ? keyHint : keyHint && a === `${K}:2` ? Buffer.concat([keyHint, Buffer.from(':2')]) : a);
  for (const c of conns) {
    const replies = await c.pipeline(commands.map((a) => ['ACL', 'DRYRUN', user, ...a.map(key)])).catch(() => null);
    if (!replies) continue;
    // A refused or unknown DRYRUN errors for every command; a real answer is OK or a reason (bulk string).
    if (replies.every((r) => r instanceof RespError)) continue;
    return { replies };
  }
  return null;
}

async function viaProbe(conn: RedisConnection, commands: Argv[], readKey?: Buffer): Promise<{ allowed: string[]; missing: AclOutcome['missing']; not_probed: AclOutcome['not_probed'] }> {
  const key = readKey ?? reservedKey('probe');
  const out = { allowed: [] as string[], missing: [] as AclOutcome['missing'], not_probed: [] as AclOutcome['not_probed'] };
  const subst = (argv: Argv): Argv => argv.map((a) => (a === K ? key : a === `${K}:2` ? `${key}:2` : a));
  const record = (argv: Argv, reply: RespValue) => {
    if (isNoPerm(reply)) out.missing.push({ command: name(argv), reason: reply.message });
    else out.allowed.push(name(argv));
  };
  // Writes that would create a key are probed against a string key (SET with a safety TTL)
  // so they fail with WRONGTYPE after the ACL check instead of writing.
  const creators = new Set(['HSET', 'RPUSH', 'SADD', 'ZADD', 'XADD', 'LPUSH', 'INCR', 'SET', 'XGROUP']);
  const plain = commands.filter((a) => !creators.has(String(a[0]).toUpperCase()));
  const needString = commands.filter((a) => creators.has(String(a[0]).toUpperCase()) && String(a[0]).toUpperCase() !== 'SET');
  for (const argv of plain) record(argv, await conn.call(...subst(argv)));
  const wantsSet = commands.some((a) => String(a[0]).toUpperCase() === 'SET') || needString.length > 0;
  if (!wantsSet) return out;
  const set = await conn.call('SET', key, 'v', 'PX', '60000');
  if (commands.some((a) => String(a[0]).toUpperCase() === 'SET')) record(['SET'], set);
  if (set instanceof RespError) {
    for (const argv of needString) {
      const c = String(argv[0]).toUpperCase();
      // Two writes that are no-ops on a missing key still answer the ACL question.
      if (c === 'ZADD') record(argv, await conn.call('ZADD', key, 'XX', '1', 'm'));
      else if (c === 'XADD') record(argv, await conn.call('XADD', key, 'NOMKSTREAM', '*', 'f', 'v'));
      else if (c === 'XGROUP') record(argv, await conn.call('XGROUP', 'CREATE', key, 'g', '$'));
      else out.not_probed.push({ command: name(argv), reason: 'SET is denied, so it cannot be probed without writing; use an admin connection on Redis ≥ 7 (ACL DRYRUN)' });
    }
    return out;
  }
  for (const argv of needString) record(argv, await conn.call(...subst(argv)));
  await conn.call('DEL', key).catch(() => undefined);
  return out;
}

export async function evaluateNeed(need: Need, adminConn: RedisConnection | null, redis7: boolean): Promise<AclOutcome> {
  const user = need.role.settings.username ?? 'default';
  const base = { purpose: need.purpose, endpoint: need.endpoint, user, allowed: [] as string[], missing: [] as AclOutcome['missing'], not_probed: [] as AclOutcome['not_probed'] };
  if (!need.role.conn) {
    return { ...base, method: 'unavailable', not_probed: need.commands.map((a) => ({ command: name(a), reason: `the ${need.role.role} connection did not open: ${need.role.error?.message ?? 'unknown'}` })) };
  }
  if (redis7) {
    const conns = [adminConn, need.role.conn].filter((c): c is RedisConnection => c !== null);
    const dry = await viaDryrun(conns, user, need.commands, need.keyHint);
    if (dry) {
      dry.replies.forEach((r, i) => {
        const argv = need.commands[i]!;
        if (r === 'OK') base.allowed.push(name(argv));
        else if (r instanceof RespError) base.not_probed.push({ command: name(argv), reason: r.message });
        else base.missing.push({ command: name(argv), reason: text(r) });
      });
      return { ...base, method: 'dryrun' };
    }
  }
  const probed = await viaProbe(need.role.conn, need.commands, need.readOnly ? need.keyHint : undefined);
  return { ...base, method: 'probe', ...probed };
}

function workloadWrites(r: Resources): { commands: string[]; from: string } {
  const cmds = r.interlay?.metrics?.commands;
  if (!cmds?.length) return { commands: DEFAULT_MIRROR_WRITES, from: 'common writes (no workload data from an interlay)' };
  const writes = cmds.filter((c) => !c.name.includes('|') && lookupCommand(c.name)?.isWrite).map((c) => c.name.toUpperCase());
  return { commands: [...new Set(writes)], from: `interlay "${r.interlay!.name}" command mix` };
}

export function needsOf(r: Resources): { needs: Need[]; mirrorFrom: string } {
  const needs: Need[] = [];
  // The smallest sampled key: DUMPing it in a read probe costs nothing.
  const keyHint = [...(r.sample?.keys ?? [])].sort((a, b) => (a.memory ?? 0) - (b.memory ?? 0))[0]?.key;
  const add = (purpose: string, f: EndpointFacts, role: RoleConn | undefined, commands: Argv[]) => {
    if (role && commands.length) needs.push({ purpose, endpoint: f.name, role, commands, keyHint, readOnly: purpose === 'source read' || purpose.endsWith('admin') });
  };
  add('source read', r.source, r.source.roles.read, SOURCE_READ);
  add('target write', r.target, r.target.roles.write, TARGET_WRITE);
  const w = workloadWrites(r);
  const mirrorArgv = w.commands.map(argvFor).filter((a): a is Argv => a !== null);
  for (const m of r.mirrors) add('mirror write', m, m.roles.write, mirrorArgv);
  // Mirrored writes also land on the target when it is the migration's new primary.
  if (r.interlay) add('target mirror write', r.target, r.target.roles.write, mirrorArgv);
  for (const f of [r.source, r.target]) add(`${f.kind} admin`, f, f.roles.admin ?? f.roles.read, ADMIN);
  return { needs, mirrorFrom: w.from };
}

export const acl: CompatCheck = {
  id: 'acl',
  describe: 'Each role\'s user may run what the migration needs (ACL DRYRUN on Redis ≥ 7, NOPERM probes otherwise).',
  async run(r) {
    const { needs, mirrorFrom } = needsOf(r);
    const outcomes: AclOutcome[] = [];
    for (const need of needs) {
      const f = [r.source, r.target, ...r.mirrors].find((x) => x.name === need.endpoint)!;
      const s = serverOf(f);
      const redis7 = (s?.version?.major ?? 0) >= 7;
      outcomes.push(await evaluateNeed(need, connFor(f, 'admin'), redis7));
    }
    const missing = outcomes.flatMap((o) => o.missing.map((m) => ({ role: o.purpose, endpoint: o.endpoint, user: o.user, command: m.command, reason: m.reason })));
    const notProbed = outcomes.flatMap((o) => o.not_probed.map((m) => ({ role: o.purpose, endpoint: o.endpoint, user: o.user, command: m.command, reason: m.reason })));
    const evidence = { mirror_commands_from: mirrorFrom, missing, not_probed: notProbed, checked: outcomes.map((o) => ({ role: o.purpose, endpoint: o.endpoint, user: o.user, method: o.method, allowed: o.allowed.length, missing: o.missing.length })) };
    const essential = missing.filter((m) => !m.role.endsWith('admin'));
    if (essential.length) {
      return {
        severity: 'blocking',
        title: `Missing permissions: ${essential.map((m) => `${m.command} for ${m.role} (${m.endpoint}, user ${m.user})`).join('; ')}`,
        evidence,
        remediation: `Grant the commands, e.g. ACL SETUSER ${essential[0]!.user} +${essential[0]!.command.toLowerCase().replace(' ', '|')}, or use users with the needed categories (+@read for the source, +@write +restore for the target).`,
      };
    }
    if (missing.length || notProbed.length) {
      return {
        severity: 'warning',
        title: missing.length ? `Admin permissions missing: ${missing.map((m) => `${m.command} (${m.endpoint})`).join(', ')}; some checks are degraded` : `${notProbed.length} permission(s) could not be verified`,
        evidence,
        remediation: 'Grant the admin user INFO, CLUSTER INFO, MODULE LIST and CONFIG GET, or add an admin connection allowed to run ACL DRYRUN, and re-run.',
      };
    }
    return { severity: 'pass', title: 'Every role may run the commands the migration needs', evidence, remediation: '' };
  },
};
