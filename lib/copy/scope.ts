/**
 * How many keys a run has to copy. Without MATCH / TYPE that is INFO keyspace; with them,
 * the keyspace says nothing (300 matching keys among 40,000 showed as 0.7% done at the
 * end), so the keys in scope are counted with the job's own SCAN when the db is small
 * enough, and estimated from RANDOMKEY samples when it is not.
 */
import type { EstimateKind } from './types';
import { encodeKeyCommands, keyCommand } from './encode';
import { throwIfTransient } from './errors';
import { globMatch } from './glob';
import type { Link } from './link';
import { arr } from './typed';

/**
 * Dbs up to this many keys are counted exactly before the copy starts: a SCAN of 100,000
 * keys is ~100 round trips (a fraction of a second), small next to copying them.
 */
const COUNT_UP_TO = 100_000;
/** RANDOMKEY samples for bigger dbs: ±3% of the keyspace at a 95% confidence level. */
const SAMPLES = 1000;

const TYPE = keyCommand(['TYPE']);

export interface ScopeFilter {
  /** SCAN arguments (one MATCH / one TYPE go to the server). */
  extra: string[];
  /** Several MATCH patterns, checked client-side. */
  patterns: Buffer[] | undefined;
  /** Several TYPE filters, checked client-side. */
  types: Set<string> | undefined;
  /** Every MATCH pattern and TYPE of the job (for samples, which the server does not filter). */
  allPatterns: Buffer[];
  allTypes: Set<string> | undefined;
}

export interface ScopeEstimate {
  keys: number;
  kind: EstimateKind;
}

export async function estimateScope(link: Link, dbKeys: number, f: ScopeFilter): Promise<ScopeEstimate> {
  if (f.allPatterns.length === 0 && !f.allTypes) return { keys: dbKeys, kind: 'keyspace' };
  if (dbKeys <= COUNT_UP_TO) return { keys: await countScope(link, f), kind: 'counted' };
  const sample = (await link.pipeline(Array.from({ length: SAMPLES }, () => ['RANDOMKEY']))).filter((k): k is Buffer => Buffer.isBuffer(k));
  if (sample.length === 0) return { keys: dbKeys, kind: 'keyspace' };
  const matched = await filterKeys(link, sample, f.allPatterns.length ? f.allPatterns : undefined, f.allTypes);
  return { keys: Math.round((dbKeys * matched.length) / sample.length), kind: 'sampled' };
}

async function countScope(link: Link, f: ScopeFilter): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, found] = arr(await link.callOk('SCAN', cursor, 'COUNT', 1000, ...f.extra));
    cursor = String(next);
    n += (await filterKeys(link, arr(found) as Buffer[], f.patterns, f.types)).length;
  } while (cursor !== '0');
  return n;
}

/** The keys matching any of `patterns` and of one of `types` (TYPE asked in one pipeline). */
async function filterKeys(link: Link, keys: Buffer[], patterns: Buffer[] | undefined, types: Set<string> | undefined): Promise<Buffer[]> {
  const named = patterns ? keys.filter((k) => patterns.some((p) => globMatch(p, k))) : keys;
  if (!types || named.length === 0) return named;
  const replies = await link.sendRaw(encodeKeyCommands([TYPE], named), named.length);
  throwIfTransient(replies, 'TYPE');
  return named.filter((_, i) => types.has(String(replies[i])));
}
