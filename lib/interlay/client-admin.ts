/**
 * CLIENT LIST / CLIENT INFO / CLIENT KILL through an interlay speak about the interlay's
 * own client sessions, never about its pooled backend connections (which serve many
 * clients at once: killing one would fail everybody's commands on it). Formats and errors
 * follow Redis 7.0's networking.c, so tools that parse them keep working; what a session
 * cannot know exactly (query buffer, memory) is reported as 0. Pure functions: the
 * session hands in rows, these parse arguments, filter and format.
 */

/** One client session as CLIENT LIST shows it. */
export interface ClientRow {
  /** Reported id: the session's own, or its pinned backend connection's CLIENT ID. */
  id: number;
  /** Every id that names this session (its own and, when it holds one, its backend connection's). */
  ids: readonly number[];
  addr: string;
  laddr: string;
  fd: number;
  name: string;
  ageS: number;
  idleS: number;
  flags: string;
  db: number;
  sub: number;
  psub: number;
  ssub: number;
  /** Commands queued in MULTI, -1 outside a transaction. */
  multi: number;
  omem: number;
  cmd: string;
  user: string;
  redir: number;
  resp: 2 | 3;
  libName: string;
  libVer: string;
  type: ClientType;
}

export type ClientType = 'normal' | 'pubsub' | 'replica' | 'master';

/** Redis's CLIENT LIST line (7.0 fields; `lib-name`/`lib-ver` when the backend is 7.2 or later). */
export function formatClientLine(r: ClientRow, withLib: boolean): string {
  let line =
    `id=${r.id} addr=${r.addr} laddr=${r.laddr} fd=${r.fd} name=${r.name} age=${r.ageS} idle=${r.idleS} flags=${r.flags} ` +
    `db=${r.db} sub=${r.sub} psub=${r.psub} ssub=${r.ssub} multi=${r.multi} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 ` +
    `rbs=0 rbp=0 obl=0 oll=0 omem=${r.omem} tot-mem=${r.omem} events=r cmd=${r.cmd} user=${r.user} redir=${r.redir} resp=${r.resp}`;
  if (withLib) line += ` lib-name=${r.libName} lib-ver=${r.libVer}`;
  return line + '\n';
}

function typeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'pubsub':
      return 'pubsub';
    case 'slave':
    case 'replica':
      return 'replica';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/** Parses a client id as Redis does (a positive long); null when it is not one. */
function parseId(s: string): number | null {
  if (!/^[1-9][0-9]{0,18}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

export type ListFilter = { type: ClientType | null; ids: number[] | null };

/** CLIENT LIST [TYPE t] [ID id ...]: the filter, or the error line Redis would send. */
export function parseListArgs(args: string[]): ListFilter | { error: string } {
  const f: ListFilter = { type: null, ids: null };
  if (args.length === 0) return f;
  if (args.length === 2 && args[0].toLowerCase() === 'type') {
    const t = typeByName(args[1]);
    if (t === null) return { error: `ERR Unknown client type '${args[1]}'` };
    f.type = t;
    return f;
  }
  if (args.length >= 2 && args[0].toLowerCase() === 'id') {
    f.ids = [];
    for (const a of args.slice(1)) {
      const id = parseId(a);
      if (id === null) return { error: 'ERR Invalid client ID' };
      f.ids.push(id);
    }
    return f;
  }
  return { error: 'ERR syntax error' };
}

export function listMatches(f: ListFilter, r: ClientRow): boolean {
  if (f.type !== null && r.type !== f.type) return false;
  if (f.ids !== null && !f.ids.some((id) => r.ids.includes(id))) return false;
  return true;
}

export interface KillFilter {
  /** Old form `CLIENT KILL addr:port`: +OK or "No such client", not a count. */
  oldStyle: boolean;
  id: number | null;
  type: ClientType | null;
  addr: string | null;
  laddr: string | null;
  user: string | null;
  skipme: boolean;
}

/** CLIENT KILL's arguments (after KILL), as Redis 7.0 parses them. */
export function parseKillArgs(args: string[]): KillFilter | { error: string } {
  const f: KillFilter = { oldStyle: false, id: null, type: null, addr: null, laddr: null, user: null, skipme: true };
  if (args.length === 1) {
    f.oldStyle = true;
    f.addr = args[0];
    f.skipme = false;
    return f;
  }
  if (args.length < 2) return { error: 'ERR syntax error' };
  for (let i = 0; i < args.length; i += 2) {
    const opt = args[i].toLowerCase();
    const val = args[i + 1];
    if (val === undefined) return { error: 'ERR syntax error' };
    if (opt === 'id') {
      const id = parseId(val);
      if (id === null) return { error: 'ERR client-id should be greater than 0' };
      f.id = id;
    } else if (opt === 'type') {
      const t = typeByName(val);
      if (t === null) return { error: `ERR Unknown client type '${val}'` };
      f.type = t;
    } else if (opt === 'addr') f.addr = val;
    else if (opt === 'laddr') f.laddr = val;
    else if (opt === 'user') f.user = val;
    else if (opt === 'skipme') {
      const v = val.toLowerCase();
      if (v !== 'yes' && v !== 'no') return { error: 'ERR syntax error' };
      f.skipme = v === 'yes';
    } else return { error: 'ERR syntax error' };
  }
  return f;
}

export function killMatches(f: KillFilter, r: ClientRow, isSelf: boolean): boolean {
  if (f.id !== null && !r.ids.includes(f.id)) return false;
  if (f.type !== null && r.type !== f.type) return false;
  if (f.addr !== null && r.addr !== f.addr) return false;
  if (f.laddr !== null && r.laddr !== f.laddr) return false;
  if (f.user !== null && r.user !== f.user) return false;
  if (isSelf && f.skipme) return false;
  return true;
}
