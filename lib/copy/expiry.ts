/**
 * Reading DUMP payloads with their remaining TTLs, so a restored key never outlives its
 * source by more than the RESTORE's own transit.
 *
 * The trap: a pipeline of a few thousand DUMP + PTTL is read by the source in several
 * 16 KB slices, one event-loop turn each; a stall between two slices (another client's
 * slow command, `DEBUG SLEEP`, a fork) answers the first keys' PTTL before it and the
 * last reply after it. "Remaining now" must be measured from when each PTTL was
 * answered, not from when the batch's last reply arrived (5 s of stall = 5 s too long).
 *
 * - 'pexpiretime' (Redis ≥ 7.0, Valkey): PEXPIRETIME gives each key's absolute expiry on
 *   the source's clock and one TIME after the batch gives that clock when the last reply
 *   left, so "remaining at arrival" = expiry − TIME whatever happened in between. Both
 *   readings come from the source's clock: no clock skew between hosts enters.
 * - 'pttl-bracketed' (older servers): TIME before and after the batch bound when every
 *   PTTL was answered; a window wider than STALL_MS means a stall, and the PTTLs are read
 *   again (small replies, quick) until the window is narrow, or taken as of the window's
 *   start (the target may then expire a little early, never late).
 * - 'pttl' (no TIME either, e.g. an ACL without it): PTTL as of the last reply.
 *
 * The second trap: Redis answers the commands of one read, then writes the replies out
 * only before its event loop sleeps. A slow command of another client handled in the same
 * turn holds replies already answered, TIME's included: they arrive as old as the stall,
 * and the TIME in them says so no more than the PTTLs do. So a SourceClock reads the
 * source's clock on a connection of its own (a TIME answered within STALL_MS pins
 * "source clock − local clock"), and the replies count as answered no later than the
 * clock says the source stood when they arrived.
 */
import { encodeCommand } from '../resp/encode';
import { RespError, type RespValue } from '../resp/types';
import { encodeKeyCommands, keyCommand } from './encode';
import { isTransientReply, TransientError } from './errors';
import type { Link } from './link';
import { arr } from './typed';

export type ExpiryRead = 'pexpiretime' | 'pttl-bracketed' | 'pttl';

const DUMP = keyCommand(['DUMP']);
const PTTL = keyCommand(['PTTL']);
const PEXPIRETIME = keyCommand(['PEXPIRETIME']);
const TIME = encodeCommand(['TIME']);

/**
 * A TIME window wider than this means the source stalled while answering (a pipeline of
 * a few thousand small commands is answered in a few ms); ten times below the default
 * verification tolerance (2 s).
 */
const STALL_MS = 100;
/** PTTL re-reads after a stall before settling for the window's start. */
const REREADS = 3;
/** A clock reading older than this is taken again (a step of the source's wall clock shows within it). */
const CLOCK_READ_MS = 1000;

/**
 * The source's clock seen from here: `offset` = source ms − performance.now(), from a
 * TIME answered within STALL_MS of being sent. TIME was answered after it was sent, so
 * the offset taken against the send time is an upper bound, off by at most the round
 * trip: `latest(t)` never says the source stood earlier than it did, and TTLs measured
 * against it err towards expiring early, never late.
 */
export class SourceClock {
  private offset: number | undefined;
  private rtt = Infinity;
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;

  /** `link`: a connection of the clock's own, so its TIME never queues behind a batch. */
  constructor(private readonly link: Link) {}

  /** A TIME reply (source ms) to a command sent at `sent` that arrived at `arrived` (performance.now()). */
  note(sent: number, arrived: number, sourceMs: number): void {
    const rtt = arrived - sent;
    if (rtt > STALL_MS) return; // held somewhere on the way: says nothing about when
    if (rtt > this.rtt && arrived - this.readAt < CLOCK_READ_MS) return; // a closer recent reading stands
    this.offset = sourceMs - sent;
    this.rtt = rtt;
    this.readAt = arrived;
  }

  /** Reads the clock again when the last reading is older than CLOCK_READ_MS. Never throws: a failed or slow reading is not taken. */
  refresh(): Promise<void> {
    if (performance.now() - this.readAt < CLOCK_READ_MS) return Promise.resolve();
    this.reading ??= (async () => {
      const sent = performance.now();
      const v = await this.link.call('TIME');
      if (!(v instanceof RespError)) this.note(sent, performance.now(), clockMs(v));
    })()
      .catch(() => undefined)
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** The latest the source's clock can read at local time `t` (performance.now()); -Infinity before any reading. */
  latest(t: number): number {
    return this.offset === undefined ? -Infinity : t + this.offset;
  }
}

/** Picks how this source tells expiries, probing once with a key we are about to DUMP (ACLs may limit key patterns). */
export async function probeExpiryRead(link: Link, key: Buffer): Promise<ExpiryRead> {
  const [pe, time] = await link.pipeline([['PEXPIRETIME', key], ['TIME']]);
  if (isTransientReply(pe) || isTransientReply(time)) throw new TransientError(`PEXPIRETIME probe: ${(pe as RespError).message ?? (time as RespError).message}`);
  const hasTime = !(time instanceof RespError);
  if (pe instanceof RespError) return hasTime ? 'pttl-bracketed' : 'pttl';
  return hasTime ? 'pexpiretime' : 'pttl';
}

export interface DumpRead {
  /** DUMP reply per key (payload, nil, or an error reply). */
  payloads: RespValue[];
  /**
   * Remaining TTL per key in ms as of `at` (≤ 0: expired); Infinity: no expiry; -Infinity:
   * the key is gone; NaN: unreadable (its error reply is in `errors`).
   */
  left: Float64Array;
  errors: (RespError | undefined)[];
  /** performance.now() when the replies `left` is measured against had arrived. */
  at: number;
}

/** Source clock in ms from a TIME reply ([seconds, microseconds]). */
function clockMs(v: RespValue): number {
  const [s, us] = arr(v);
  return Number(String(s)) * 1000 + Number(String(us)) / 1000;
}

/** `clock`: the source's clock (modes with TIME), against which replies held after they were answered show. */
export async function readDumps(link: Link, keys: Buffer[], mode: ExpiryRead, clock?: SourceClock): Promise<DumpRead> {
  const n = keys.length;
  const c = await link.conn();
  const left = new Float64Array(n);
  const errors: (RespError | undefined)[] = new Array(n);
  const payloads: RespValue[] = new Array(n);
  const split = (replies: RespValue[], offset: number) => {
    for (let j = 0; j < n; j++) {
      payloads[j] = replies[2 * j];
      const t = replies[2 * j + 1];
      if (typeof t === 'number') left[j] = fromReply(t, offset);
      else {
        left[j] = NaN;
        errors[j] = t instanceof RespError ? t : new RespError(`ERR unexpected TTL reply ${String(t)}`);
      }
    }
  };
  if (mode === 'pexpiretime') {
    // Sent in one tick, so the connection writes them together and TIME is answered last.
    const sent = performance.now();
    const [[replies, [now]]] = await Promise.all([Promise.all([c.sendRaw(encodeKeyCommands([DUMP, PEXPIRETIME], keys), 2 * n), c.sendRaw(TIME, 1)]), clock?.refresh()]);
    const at = performance.now();
    const answered = clockMs(now);
    clock?.note(sent, at, answered);
    split(replies, Math.max(answered, clock?.latest(at) ?? -Infinity));
    return { payloads, left, errors, at };
  }
  if (mode === 'pttl') {
    const replies = await c.sendRaw(encodeKeyCommands([DUMP, PTTL], keys), 2 * n);
    const at = performance.now();
    split(replies, 0);
    return { payloads, left, errors, at };
  }
  let sent = performance.now();
  const [[[t0], replies, [t1]]] = await Promise.all([
    Promise.all([c.sendRaw(TIME, 1), c.sendRaw(encodeKeyCommands([DUMP, PTTL], keys), 2 * n), c.sendRaw(TIME, 1)]),
    clock?.refresh(),
  ]);
  let at = performance.now();
  split(replies, 0);
  let answered = clockMs(t1);
  let window = answered - clockMs(t0);
  const ttl: number[] = [];
  for (let j = 0; j < n; j++) if (Number.isFinite(left[j])) ttl.push(j);
  // The source stalled while answering: a PTTL may be up to `window` old. Read the TTLs again.
  for (let attempt = 0; attempt < REREADS && ttl.length > 0 && window > STALL_MS; attempt++) {
    sent = performance.now();
    const [[a], again, [b]] = await Promise.all([c.sendRaw(TIME, 1), c.sendRaw(encodeKeyCommands([PTTL], ttl.map((j) => keys[j])), ttl.length), c.sendRaw(TIME, 1)]);
    at = performance.now();
    answered = clockMs(b);
    window = answered - clockMs(a);
    ttl.forEach((j, i) => {
      const t = again[i];
      if (typeof t === 'number') left[j] = fromReply(t, 0);
    });
  }
  clock?.note(sent, at, answered);
  // Still stalling: take each PTTL as answered at the window's start (expire early, never
  // late); replies held after they were answered: as of the source's clock at arrival.
  const late = (window > STALL_MS ? window : 0) + Math.max(0, (clock?.latest(at) ?? -Infinity) - answered);
  if (late > 0) for (const j of ttl) left[j] -= late;
  return { payloads, left, errors, at };
}

/** PTTL / PEXPIRETIME reply → remaining ms (`offset`: the source clock PEXPIRETIME is relative to). */
function fromReply(t: number, offset: number): number {
  if (t === -1) return Infinity;
  if (t === -2) return -Infinity;
  return t - offset;
}
