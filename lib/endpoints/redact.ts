/**
 * Secrets never leave the console in a direct call's reply, whoever asks: the console holds
 * endpoint passwords sealed and must not hand out the server's own ones instead.
 *
 * - `CONFIG GET` (and Sentinel's `SENTINEL CONFIG GET`): the values of secret parameters
 *   become "<redacted>", whatever pattern matched them (`CONFIG GET *` included).
 * - `ACL GETUSER`: the `passwords` list (SHA-256 hashes, cheap to attack offline) becomes
 *   one "<redacted>" per hash, so the count still shows.
 * - `ACL LIST`: `#<hash>` rules become `#<redacted>`.
 *
 * Inside MULTI … EXEC the same applies to EXEC's reply, element by element.
 */
import { classify, type Argv } from '../commands';
import { RespMap, RespSet, type RespArg, type RespValue } from '../resp/types';

/**
 * Parameters Redis 7 flags SENSITIVE_CONFIG (requirepass, masterauth, tls-key-file-pass,
 * tls-client-key-file-pass), Valkey 8's alias primaryauth, Sentinel's sentinel-pass, and
 * Dragonfly's spellings with underscores (names are compared with `_` read as `-`).
 */
export const SECRET_CONFIG_PARAMS: ReadonlySet<string> = new Set(['requirepass', 'masterauth', 'primaryauth', 'tls-key-file-pass', 'tls-client-key-file-pass', 'sentinel-pass']);

export const REDACTED = '<redacted>';

type Redactor = (reply: RespValue) => RespValue;

/** The replies of a pipeline with the secrets in them replaced; replies without any are returned as they are. */
export function redactReplies(argvs: readonly RespArg[][], replies: readonly RespValue[]): RespValue[] {
  let queued: (Redactor | undefined)[] | undefined;
  return replies.map((reply, i) => {
    const argv = argvs[i] as Argv;
    const name = classify(argv).name;
    if (name === 'multi') {
      queued = [];
      return reply;
    }
    if (name === 'discard') {
      queued = undefined;
      return reply;
    }
    if (name === 'exec') {
      const tx = queued;
      queued = undefined;
      if (!tx || !Array.isArray(reply)) return reply;
      return reply.map((r, j) => (tx[j] ? tx[j]!(r) : r));
    }
    const redactor = redactorFor(argv);
    if (queued) {
      // Inside a transaction the reply here is QUEUED; the real one comes in EXEC's array.
      queued.push(redactor);
      return reply;
    }
    return redactor ? redactor(reply) : reply;
  });
}

function redactorFor(argv: Argv): Redactor | undefined {
  // SENTINEL is not in the bundled command table (a Sentinel is not a data server): match its words.
  if (lower(argv[0]) === 'sentinel' && lower(argv[1]) === 'config' && lower(argv[2]) === 'get') return redactConfigPairs;
  switch (classify(argv).name) {
    case 'config|get':
      return redactConfigPairs;
    case 'acl|getuser':
      return redactAclUser;
    case 'acl|list':
      return redactAclList;
    default:
      return undefined;
  }
}

function lower(v: RespValue | RespArg | undefined): string {
  if (typeof v === 'string') return v.toLowerCase();
  if (Buffer.isBuffer(v)) return v.toString('latin1').toLowerCase();
  return '';
}

function isSecretParam(name: RespValue): boolean {
  return SECRET_CONFIG_PARAMS.has(lower(name).replace(/_/g, '-'));
}

/** RESP2: a flat [name, value, ...] array; RESP3: a map. */
function redactConfigPairs(reply: RespValue): RespValue {
  if (reply instanceof RespMap) return new RespMap(reply.entries.map(([k, v]) => [k, isSecretParam(k) ? REDACTED : v]));
  if (Array.isArray(reply)) return reply.map((v, i) => (i % 2 === 1 && isSecretParam(reply[i - 1]!) ? REDACTED : v));
  return reply;
}

function redactPasswords(v: RespValue): RespValue {
  const items = Array.isArray(v) ? v : v instanceof RespSet ? v.items : undefined;
  if (!items) return REDACTED;
  const masked = items.map(() => REDACTED);
  return v instanceof RespSet ? new RespSet(masked) : masked;
}

/** ACL GETUSER: RESP2 a flat [field, value, ...] array; RESP3 a map. */
function redactAclUser(reply: RespValue): RespValue {
  if (reply instanceof RespMap) return new RespMap(reply.entries.map(([k, v]) => [k, lower(k) === 'passwords' ? redactPasswords(v) : v]));
  if (Array.isArray(reply)) return reply.map((v, i) => (i % 2 === 1 && lower(reply[i - 1]) === 'passwords' ? redactPasswords(v) : v));
  return reply;
}

const HASH_RULE = /#[0-9a-fA-F]{64}/g;

function redactAclList(reply: RespValue): RespValue {
  if (!Array.isArray(reply)) return reply;
  return reply.map((line) => {
    if (typeof line === 'string') return line.replace(HASH_RULE, `#${REDACTED}`);
    if (Buffer.isBuffer(line)) return Buffer.from(line.toString('latin1').replace(HASH_RULE, `#${REDACTED}`), 'latin1');
    return line;
  });
}
