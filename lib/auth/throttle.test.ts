import { describe, expect, it } from 'vitest';
import { LoginThrottle, THROTTLE_DEFAULTS } from './throttle';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('LoginThrottle', () => {
  it('allows 5 failures per user in an hour, then locks for 30 s doubling per failure up to 15 min', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    const keys = t.keys('ann', undefined);
    for (let i = 0; i < 5; i++) {
      expect(t.check(keys), `attempt ${i + 1}`).toBeUndefined();
      t.fail(keys);
    }
    expect(t.check(keys)).toMatchObject({ scope: 'user', retryAfterMs: 30_000 });
    const locks: number[] = [];
    for (let i = 0; i < 6; i++) {
      c.advance(t.check(keys)!.retryAfterMs);
      expect(t.check(keys)).toBeUndefined();
      t.fail(keys);
      locks.push(t.check(keys)!.retryAfterMs);
    }
    expect(locks).toEqual([60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  });

  it('forgets failures older than the window', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now });
    const keys = t.keys('bo', undefined);
    for (let i = 0; i < 4; i++) t.fail(keys);
    c.advance(THROTTLE_DEFAULTS.windowMs);
    t.fail(keys);
    expect(t.check(keys)).toBeUndefined();
  });

  it('counts an attempt before its password is checked, so concurrent guesses cannot slip through', () => {
    const t = new LoginThrottle({ now: clock().now });
    const keys = t.keys('cy', undefined);
    let admitted = 0;
    // 100 attempts arrive together: each is admitted or refused before any password check finishes.
    for (let i = 0; i < 100; i++) {
      if (t.check(keys)) continue;
      t.fail(keys);
      admitted++;
    }
    expect(admitted).toBe(5);
  });

  it('forgives a success: the user starts afresh, the address only loses that attempt', () => {
    const t = new LoginThrottle({ now: clock().now, addressFailures: 3 });
    const other = t.keys('dee', '10.0.0.1');
    t.fail(other);
    t.fail(other);
    const keys = t.keys('eve', '10.0.0.1');
    t.fail(keys);
    expect(t.check(keys)).toMatchObject({ scope: 'address' });
    t.forgive(keys);
    expect(t.check(keys)).toBeUndefined();
    t.fail(t.keys('fay', '10.0.0.1'));
    // dee's two failures still count against the address.
    expect(t.check(t.keys('gus', '10.0.0.1'))).toMatchObject({ scope: 'address' });
  });

  it('locks an address after 20 failures across usernames', () => {
    const t = new LoginThrottle({ now: clock().now });
    for (let i = 0; i < 20; i++) t.fail(t.keys(`user${i}`, '192.0.2.7'));
    expect(t.check(t.keys('someone-new', '192.0.2.7'))).toMatchObject({ scope: 'address', retryAfterMs: 30_000 });
    expect(t.check(t.keys('someone-new', '192.0.2.8'))).toBeUndefined();
  });

  it('asks for an audit row at most once a minute per key, carrying the refusals in between', () => {
    const c = clock();
    const t = new LoginThrottle({ now: c.now, baseLockMs: 10 * 60_000 });
    const keys = t.keys('hal', undefined);
    for (let i = 0; i < 5; i++) t.fail(keys);
    expect(t.check(keys)?.audit).toEqual({ refused: 1 });
    for (let i = 0; i < 9; i++) expect(t.check(keys)?.audit).toBeUndefined();
    c.advance(60_000);
    expect(t.check(keys)?.audit).toEqual({ refused: 10 });
  });

  it('keeps at most maxKeys keys, dropping the least recently failed', () => {
    const t = new LoginThrottle({ now: clock().now, maxKeys: 3, userFailures: 1 });
    for (const u of ['a', 'b', 'c', 'd']) t.fail(t.keys(u, undefined));
    expect(t.check(t.keys('a', undefined))).toBeUndefined();
    expect(t.check(t.keys('d', undefined))).toBeDefined();
  });
});
