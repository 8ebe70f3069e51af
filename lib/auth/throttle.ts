/**
 * Sign-in throttling, per username and per client address: a sliding window of failed
 * attempts with an exponential lock once a key has used up its free failures.
 *
 * - A failure is recorded *before* the password is checked and forgiven when it was right,
 *   so concurrent guesses cannot all slip through while scrypt runs.
 * - While a key is locked, attempts are refused without checking the password (no scrypt
 *   work for an attacker to buy) and the right password is refused too: the caller gets the
 *   time left, for `Retry-After`.
 * - A success clears the username's failures but not the address's: one valid account must
 *   not reset the counter for the others guessed from the same address.
 *
 * State lives in memory (one console process); a restart forgets it, which only gives an
 * attacker one more window. The map is bounded (oldest keys go first).
 */

export interface ThrottleOptions {
  /** Failures older than this stop counting. */
  windowMs: number;
  /** Failures per username in the window before the first lock. */
  userFailures: number;
  /** Failures per client address in the window before the first lock (higher: NAT, shared offices). */
  addressFailures: number;
  /** The first lock; each further failure doubles it. */
  baseLockMs: number;
  maxLockMs: number;
  /** At most one audit row per key this often; the rows carry how many attempts were refused meanwhile. */
  auditEveryMs: number;
  maxKeys: number;
  now: () => number;
}

// 5 failures per user and 20 per address in an hour, then 30 s doubling up to 15 min: a
// guesser gets about 13 tries per user per hour (5 free, then 30 s, 1, 2, 4, 8 and 15 min
// locks); a person who mistyped five times waits 30 s. The hour lets the locks grow to the cap.
export const THROTTLE_DEFAULTS: ThrottleOptions = {
  windowMs: 60 * 60_000,
  userFailures: 5,
  addressFailures: 20,
  baseLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  auditEveryMs: 60_000,
  maxKeys: 10_000,
  now: () => Date.now(),
};

export type ThrottleScope = 'user' | 'address';

export interface ThrottleKey {
  scope: ThrottleScope;
  id: string;
}

export interface Refusal {
  scope: ThrottleScope;
  retryAfterMs: number;
  /** Set when this refusal should be written to the audit log: the refusals it stands for. */
  audit?: { refused: number };
}

interface Entry {
  failures: number[];
  lockedUntil: number;
  lastAuditAt: number;
  refusedSinceAudit: number;
}

export class LoginThrottle {
  private readonly opts: ThrottleOptions;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: Partial<ThrottleOptions> = {}) {
    this.opts = { ...THROTTLE_DEFAULTS, ...opts };
  }

  /** The keys of one attempt: the username, and the address when known. */
  keys(username: string, address: string | undefined): ThrottleKey[] {
    const keys: ThrottleKey[] = [{ scope: 'user', id: username }];
    if (address) keys.push({ scope: 'address', id: address });
    return keys;
  }

  /** Whether an attempt may go ahead; a refusal says for how long it may not. */
  check(keys: ThrottleKey[]): Refusal | undefined {
    const now = this.opts.now();
    let worst: { key: ThrottleKey; entry: Entry } | undefined;
    for (const key of keys) {
      const entry = this.entries.get(mapKey(key));
      if (entry && entry.lockedUntil > now && (!worst || entry.lockedUntil > worst.entry.lockedUntil)) worst = { key, entry };
    }
    if (!worst) return undefined;
    const { key, entry } = worst;
    entry.refusedSinceAudit += 1;
    const refusal: Refusal = { scope: key.scope, retryAfterMs: entry.lockedUntil - now };
    if (now - entry.lastAuditAt >= this.opts.auditEveryMs) {
      refusal.audit = { refused: entry.refusedSinceAudit };
      entry.lastAuditAt = now;
      entry.refusedSinceAudit = 0;
    }
    return refusal;
  }

  /** Records a failed attempt on every key (call before checking the password). */
  fail(keys: ThrottleKey[]): void {
    const now = this.opts.now();
    for (const key of keys) {
      const k = mapKey(key);
      const entry = this.entries.get(k) ?? { failures: [], lockedUntil: 0, lastAuditAt: -Infinity, refusedSinceAudit: 0 };
      // Re-insert so the map's order is least recently failed first (eviction order).
      this.entries.delete(k);
      this.entries.set(k, entry);
      entry.failures = entry.failures.filter((t) => now - t < this.opts.windowMs);
      entry.failures.push(now);
      this.relock(entry, key.scope, now);
    }
    while (this.entries.size > this.opts.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The attempt recorded by `fail` succeeded: the username starts afresh, the address loses that one failure. */
  forgive(keys: ThrottleKey[]): void {
    const now = this.opts.now();
    for (const key of keys) {
      const k = mapKey(key);
      const entry = this.entries.get(k);
      if (!entry) continue;
      if (key.scope === 'user') {
        this.entries.delete(k);
        continue;
      }
      entry.failures.pop();
      this.relock(entry, key.scope, now);
    }
  }

  private relock(entry: Entry, scope: ThrottleScope, now: number): void {
    const free = scope === 'user' ? this.opts.userFailures : this.opts.addressFailures;
    const over = entry.failures.length - free;
    if (over < 0) {
      entry.lockedUntil = 0;
      return;
    }
    const last = entry.failures[entry.failures.length - 1] ?? now;
    entry.lockedUntil = last + Math.min(this.opts.baseLockMs * 2 ** Math.min(over, 30), this.opts.maxLockMs);
  }
}

function mapKey(key: ThrottleKey): string {
  return `${key.scope}\u0000${key.id}`;
}
