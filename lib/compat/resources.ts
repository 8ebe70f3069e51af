/**
 * Builds the one `Resources` object a report run shares: per endpoint and role a fresh
 * connection (or the reason it failed, with a diagnostic retry for TLS mix-ups), INFO,
 * CONFIG GET, MODULE LIST, PING latency, and a keyspace sample of the source (SCAN + TYPE,
 * PTTL, MEMORY USAGE pipelined; DUMP of a few keys for the RDB version and throughput).
 * Everything is read once here so the checks stay pure and cheap.
 */
import { connectionOptions as endpointConnectionOptions } from '../endpoints/connections';
import { randomUUID } from 'node:crypto';
import { parseInfo, parseKeyspace } from '../endpoints/check';
import type { ConnRole, ResolvedConn } from '../endpoints/schema';
import type { EndpointSettings } from '../endpoints/service';
import type { Logger } from '../logger';
import { RedisConnection, type RedisConnectionOptions } from '../redis/connection';
import { RedisClientError } from '../redis/errors';
import { RespError, type RespValue } from '../resp/types';
import { percentile, rdbVersionOfDump, round, displayKey } from './facts';
import type { EndpointFacts, InterlayFacts, KeySample, Resources, RoleConn, RunOptions, SampledKey } from './types';

export const ROLE_ORDER: ConnRole[] = ['read', 'write', 'admin'];
/** CONFIG keys the checks read (one CONFIG GET each: Redis < 7 takes one pattern per call). */
export const CONFIG_KEYS = ['maxmemory', 'maxmemory-policy', 'proto-max-bulk-len', 'databases', 'cluster-enabled'];

export interface ResourceDeps {
  settings(name: string): Promise<EndpointSettings>;
  interlay?(name: string): Promise<Omit<InterlayFacts, 'name'>>;
  log: Logger;
}

export interface ResourceRequest {
  source: string;
  target: string;
  mirrors: string[];
  interlay?: string | null;
  options: RunOptions;
  /** Keys to sample across the source's databases (default 1000). */
  sampleSize?: number;
  /** PINGs per endpoint for the latency check (default 20). */
  pings?: number;
}

/**
 * The endpoint's connection options for a probe: RESP2, and no client name in the
 * handshake (a restricted user may be refused CLIENT SETNAME, which would fail it;
 * openProven names the connection afterwards, best effort).
 */
export function probeOptions(c: ResolvedConn): RedisConnectionOptions {
  return { ...endpointConnectionOptions(c), protocol: 2 };
}

/** Opens and proves a connection with a PING (a TLS-only server lets a plain TCP connect succeed, then drops it). */
export async function openProven(opts: RedisConnectionOptions, name?: string): Promise<RedisConnection> {
  const conn = new RedisConnection(opts);
  try {
    await conn.connect();
    if (name) await conn.call('CLIENT', 'SETNAME', name).catch(() => undefined);
    const pong = await conn.call('PING');
    // NOPERM still proves the transport and credentials work (a user without @connection).
    if (pong instanceof RespError && pong.code !== 'NOPERM') {
      if (pong.code === 'NOAUTH') throw new RedisClientError('NOAUTH', pong.message, { reply: pong });
      throw new RedisClientError('REPLY', pong.message, { reply: pong });
    }
    return conn;
  } catch (e) {
    await conn.close().catch(() => undefined);
    throw e;
  }
}

function errorOf(e: unknown): { code: string; message: string } {
  if (e instanceof RedisClientError) return { code: e.code, message: e.reply?.message ?? e.message };
  return { code: 'OTHER', message: (e as Error)?.message ?? String(e) };
}

/** Second attempt with TLS flipped, to tell "wrong TLS setting" from "unreachable". */
async function diagnose(c: ResolvedConn, err: { code: string }): Promise<string | undefined> {
  if (!['ECONNRESET', 'ETIMEDOUT', 'TLS', 'PROTOCOL', 'REPLY'].includes(err.code)) return undefined;
  const flipped: ResolvedConn = { ...c, tls: !c.tls, tlsOptions: { ...(c.tlsOptions ?? {}), skip_verify: true }, connectTimeoutMs: Math.min(c.connectTimeoutMs, 3000) };
  try {
    const conn = await openProven(probeOptions(flipped), 'ri-compat-diagnose');
    await conn.close();
    return c.tls ? 'server-speaks-plaintext' : 'server-speaks-tls';
  } catch (e) {
    const code = errorOf(e).code;
    // Over the flipped transport the server answered but wants credentials: the transport was the problem.
    if (code === 'NOAUTH' || code === 'AUTH') return c.tls ? 'server-speaks-plaintext' : 'server-speaks-tls';
    return undefined;
  }
}

async function openRole(c: ResolvedConn, label: string): Promise<RoleConn> {
  try {
    const conn = await openProven(probeOptions(c), `ri-compat-${label}-${c.role}`);
    return { role: c.role, settings: c, conn };
  } catch (e) {
    const error = errorOf(e);
    return { role: c.role, settings: c, conn: null, error, diagnosis: await diagnose(c, error) };
  }
}

/** The first open connection among roles, in order of preference. */
export function connFor(f: EndpointFacts, ...prefer: ConnRole[]): RedisConnection | null {
  for (const r of prefer.length ? prefer : ['admin', 'read', 'write'] as ConnRole[]) {
    const c = f.roles[r]?.conn;
    if (c) return c;
  }
  return null;
}

function text(v: RespValue): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'text' in v) return String((v as { text: string }).text);
  return String(v ?? '');
}

function parseModuleList(v: RespValue): { name: string; version: string }[] {
  if (!Array.isArray(v)) return [];
  return v.map((m) => {
    const flat: RespValue[] = Array.isArray(m) ? m : ((m as { entries?: [RespValue, RespValue][] }).entries?.flat() ?? []);
    const rec: Record<string, RespValue> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) rec[text(flat[i]!)] = flat[i + 1]!;
    return { name: text(rec.name ?? ''), version: text(rec.ver ?? '') };
  });
}

async function gatherEndpoint(deps: ResourceDeps, name: string, kind: EndpointFacts['kind'], pings: number): Promise<EndpointFacts> {
  const facts: EndpointFacts = { name, kind, roles: {}, info: null, config: null, modules: null, keyspace: [], latency: null };
  let settings: EndpointSettings;
  try {
    settings = await deps.settings(name);
  } catch (e) {
    facts.settingsError = (e as Error).message;
    facts.infoError = facts.configError = facts.modulesError = `endpoint "${name}" could not be read: ${(e as Error).message}`;
    return facts;
  }
  const roles = await Promise.all(ROLE_ORDER.filter((r) => settings.roles[r]).map((r) => openRole(settings.roles[r]!, kind)));
  for (const rc of roles) facts.roles[rc.role] = rc;

  const conn = connFor(facts);
  if (!conn) {
    facts.infoError = facts.configError = facts.modulesError = 'no connection to the endpoint could be opened';
    return facts;
  }
  const info = await conn.call('INFO').catch((e) => new RespError(`ERR ${(e as Error).message}`));
  if (info instanceof RespError) facts.infoError = info.message;
  else {
    facts.info = parseInfo(text(info));
    facts.keyspace = parseKeyspace(facts.info);
  }
  // CONFIG on the admin connection if there is one (managed services often refuse it to everyone).
  const cfgConn = connFor(facts, 'admin', 'write', 'read')!;
  const cfgReplies = await cfgConn.pipeline(CONFIG_KEYS.map((k) => ['CONFIG', 'GET', k])).catch((e) => CONFIG_KEYS.map(() => new RespError(`ERR ${(e as Error).message}`)));
  const refused = cfgReplies.find((r) => r instanceof RespError) as RespError | undefined;
  if (refused) facts.configError = refused.message;
  else {
    facts.config = {};
    for (const r of cfgReplies) {
      const arr = Array.isArray(r) ? r : r && typeof r === 'object' && 'entries' in r ? (r as { entries: RespValue[][] }).entries.flat() : [];
      for (let i = 0; i + 1 < arr.length; i += 2) facts.config[text(arr[i]!)] = text(arr[i + 1]!);
    }
  }
  const mods = await cfgConn.call('MODULE', 'LIST').catch((e) => new RespError(`ERR ${(e as Error).message}`));
  if (mods instanceof RespError) facts.modulesError = mods.message;
  else facts.modules = parseModuleList(mods);

  if (facts.info?.cluster_enabled === '1') {
    const nodes = await conn.call('CLUSTER', 'NODES').catch(() => null);
    if (nodes && !(nodes instanceof RespError)) {
      facts.clusterPrimaries = text(nodes)
        .split('\n')
        .filter((l) => {
          const parts = l.split(' ');
          return parts.length > 8 && parts[2]!.includes('master') && !parts[2]!.includes('fail');
        }).length;
    }
  }

  const pingConn = connFor(facts, 'read', 'write', 'admin')!;
  const times: number[] = [];
  try {
    for (let i = 0; i < pings; i++) {
      const t = performance.now();
      await pingConn.call('PING');
      times.push(performance.now() - t);
    }
  } catch {
    /* partial samples are still a measurement */
  }
  if (times.length) {
    times.sort((a, b) => a - b);
    facts.latency = { samples: times.length, median_ms: round(percentile(times, 50)), p99_ms: round(percentile(times, 99)), max_ms: round(times[times.length - 1]!) };
  }
  return facts;
}

/**
 * Samples keys across the source's databases, proportionally to their sizes, with
 * pipelined TYPE / PTTL / MEMORY USAGE; DUMPs a few keys (RDB version, throughput) and the
 * biggest ones (largest payload the target must accept).
 */
export async function sampleKeyspace(conn: RedisConnection, keyspace: EndpointFacts['keyspace'], homeDb: number, size: number): Promise<KeySample> {
  const totalKeys = keyspace.reduce((s, d) => s + d.keys, 0);
  const sample: KeySample = { keys: [], totalKeys, dumpMs: 0, dumpedKeys: 0, dumpedBytes: 0, largestDump: null, rdbVersion: null };
  if (totalKeys === 0) return sample;
  try {
    for (const d of keyspace) {
      if (d.keys === 0) continue;
      const want = Math.max(1, Math.round((size * d.keys) / totalKeys));
      if (keyspace.length > 1 || d.db !== homeDb) {
        const sel = await conn.call('SELECT', d.db);
        if (sel instanceof RespError) continue;
      }
      const found: Buffer[] = [];
      const seen = new Set<string>();
      let cursor = '0';
      // SCAN visits keys in hash-table order, which is close to random with respect to names.
      for (let i = 0; i < 200 && found.length < want; i++) {
        const r = await conn.call('SCAN', cursor, 'COUNT', 200);
        if (r instanceof RespError || !Array.isArray(r)) break;
        cursor = text(r[0]!);
        for (const k of (r[1] as Buffer[]) ?? []) {
          const id = k.toString('latin1');
          if (!seen.has(id) && found.length < want) {
            seen.add(id);
            found.push(k);
          }
        }
        if (cursor === '0') break;
      }
      const cmds = found.flatMap((k) => [['TYPE', k], ['PTTL', k], ['MEMORY', 'USAGE', k, 'SAMPLES', '0']]);
      const replies = await conn.pipeline(cmds);
      for (let i = 0; i < found.length; i++) {
        const type = replies[i * 3]!;
        const pttl = replies[i * 3 + 1]!;
        const mem = replies[i * 3 + 2]!;
        if (type instanceof RespError) continue;
        if (mem instanceof RespError) sample.memoryUsageError ??= mem.message;
        const t = text(type);
        if (t === 'none') continue; // expired between SCAN and TYPE
        sample.keys.push({ db: d.db, key: found[i]!, type: t, pttl: typeof pttl === 'number' ? pttl : -1, memory: typeof mem === 'number' ? mem : null });
      }
      await dumpProbe(conn, sample, sample.keys.filter((k) => k.db === d.db));
    }
  } catch (e) {
    sample.error = (e as Error).message;
  } finally {
    await conn.call('SELECT', homeDb).catch(() => undefined);
  }
  return sample;
}

/** Biggest keys whose DUMP is measured: beyond this we estimate from MEMORY USAGE instead of pulling GBs. */
const DUMP_MEASURE_LIMIT = 64 * 1024 * 1024;

async function dumpProbe(conn: RedisConnection, sample: KeySample, keys: SampledKey[]): Promise<void> {
  if (keys.length === 0) return;
  const bySize = [...keys].sort((a, b) => (b.memory ?? 0) - (a.memory ?? 0));
  const big = bySize.slice(0, 5).filter((k) => (k.memory ?? 0) <= DUMP_MEASURE_LIMIT);
  for (const k of bySize.slice(0, 5)) {
    if ((k.memory ?? 0) > DUMP_MEASURE_LIMIT && (sample.largestDump?.bytes ?? 0) < k.memory!) {
      sample.largestDump = { db: k.db, key: displayKey(k.key), bytes: k.memory! };
    }
  }
  // Up to 200 of the ordinary keys, timed, for the throughput estimate.
  const timed = keys.filter((k) => (k.memory ?? 0) <= 1024 * 1024).slice(0, 200);
  const t = performance.now();
  const replies = await conn.pipeline(timed.map((k) => ['DUMP', k.key]));
  sample.dumpMs += performance.now() - t;
  for (const r of replies) {
    if (Buffer.isBuffer(r)) {
      sample.dumpedKeys++;
      sample.dumpedBytes += r.length;
      sample.rdbVersion ??= rdbVersionOfDump(r);
    } else if (r instanceof RespError) {
      sample.error ??= `DUMP refused: ${r.message}`;
    }
  }
  const bigReplies = await conn.pipeline(big.map((k) => ['DUMP', k.key]));
  bigReplies.forEach((r, i) => {
    if (!Buffer.isBuffer(r)) return;
    sample.rdbVersion ??= rdbVersionOfDump(r);
    if ((sample.largestDump?.bytes ?? 0) < r.length) sample.largestDump = { db: big[i]!.db, key: displayKey(big[i]!.key), bytes: r.length };
  });
}

async function findCollisions(target: EndpointFacts, sample: KeySample | null): Promise<Resources['collisions']> {
  const conn = connFor(target, 'read', 'write', 'admin');
  if (!conn || !sample || sample.keys.length === 0) return null;
  const home = target.roles.read?.settings.db ?? 0;
  let checked = 0;
  let existing = 0;
  try {
    const dbs = [...new Set(sample.keys.map((k) => k.db))];
    for (const db of dbs) {
      if (db !== home) {
        const sel = await conn.call('SELECT', db);
        if (sel instanceof RespError) continue;
      }
      const keys = sample.keys.filter((k) => k.db === db);
      const replies = await conn.pipeline(keys.map((k) => ['EXISTS', k.key]));
      for (const r of replies) {
        if (typeof r !== 'number') continue;
        checked++;
        if (r > 0) existing++;
      }
    }
  } finally {
    await conn.call('SELECT', home).catch(() => undefined);
  }
  return { checked, existing };
}

export async function gatherResources(deps: ResourceDeps, req: ResourceRequest): Promise<Resources> {
  const pings = req.pings ?? 20;
  const [source, target, ...mirrors] = await Promise.all([
    gatherEndpoint(deps, req.source, 'source', pings),
    gatherEndpoint(deps, req.target, 'target', pings),
    ...req.mirrors.map((m) => gatherEndpoint(deps, m, 'mirror', pings)),
  ]);
  const resources: Resources = { options: req.options, source: source!, target: target!, mirrors, sample: null, interlay: null, collisions: null };
  const sconn = connFor(source!, 'read', 'admin', 'write');
  if (sconn && source!.info) {
    const home = source!.roles.read?.settings.db ?? 0;
    resources.sample = await sampleKeyspace(sconn, source!.keyspace, home, req.sampleSize ?? 1000);
    resources.collisions = await findCollisions(target!, resources.sample).catch(() => null);
  }
  if (req.interlay) {
    if (!deps.interlay) resources.interlay = { name: req.interlay, listeners: 1, metrics: null, error: 'the interlay service is not available in this console build' };
    else {
      try {
        resources.interlay = { name: req.interlay, ...(await deps.interlay(req.interlay)) };
      } catch (e) {
        resources.interlay = { name: req.interlay, listeners: 1, metrics: null, error: (e as Error).message };
      }
    }
  }
  deps.log.debug({ source: req.source, target: req.target, sampled: resources.sample?.keys.length ?? 0 }, 'compat resources gathered');
  return resources;
}

export async function closeResources(r: Resources): Promise<void> {
  const all = [r.source, r.target, ...r.mirrors];
  await Promise.all(all.flatMap((f) => Object.values(f.roles).map((rc) => rc?.conn?.close().catch(() => undefined))));
}

/** A key under the reserved prefix; never collides with application keys by convention. */
export function reservedKey(kind: 'probe' | 'smoke'): string {
  return `__ri:${kind}:${randomUUID()}`;
}
