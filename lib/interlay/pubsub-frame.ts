/**
 * Recognises pub/sub frames on a dedicated backend connection without decoding them:
 * a RESP2 array or RESP3 push whose first element names a pub/sub kind. These frames are
 * not replies to a queued command (one SUBSCRIBE yields one frame per channel, messages
 * arrive unasked), so the engine forwards them as they come and reads the subscription
 * count from (un)subscribe confirmations to know when the client has left pub/sub.
 */

export const PS_NONE = 0;
export const PS_MESSAGE = 1; // message / pmessage / smessage: forward, nothing to count
export const PS_SUBSCRIBE = 2; // subscribe / psubscribe
export const PS_UNSUBSCRIBE = 3; // unsubscribe / punsubscribe
export const PS_SSUBSCRIBE = 4;
export const PS_SUNSUBSCRIBE = 5;

const KINDS: ReadonlyMap<string, number> = new Map([
  ['message', PS_MESSAGE],
  ['pmessage', PS_MESSAGE],
  ['smessage', PS_MESSAGE],
  ['subscribe', PS_SUBSCRIBE],
  ['psubscribe', PS_SUBSCRIBE],
  ['unsubscribe', PS_UNSUBSCRIBE],
  ['punsubscribe', PS_UNSUBSCRIBE],
  ['ssubscribe', PS_SSUBSCRIBE],
  ['sunsubscribe', PS_SUNSUBSCRIBE],
]);

export interface PubsubPeek {
  kind: number;
  /** The subscription count a confirmation carries; -1 when absent. */
  count: number;
}

function lineEnd(buf: Buffer, pos: number): number {
  const cr = buf.indexOf(13, pos);
  return cr === -1 || buf[cr + 1] !== 10 ? -1 : cr;
}

function num(buf: Buffer, s: number, e: number): number {
  if (s >= e || e - s > 15) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `out` is filled and returned (callers pass one reused object). */
export function peekPubsub(raw: Buffer, out: PubsubPeek = { kind: PS_NONE, count: -1 }): PubsubPeek {
  out.kind = PS_NONE;
  out.count = -1;
  const t = raw[0];
  if (t !== 0x2a && t !== 0x3e) return out; // * or >
  let e = lineEnd(raw, 0);
  if (e < 0) return out;
  const n = num(raw, 1, e);
  if (n < 2) return out;
  let p = e + 2;
  // First element: the kind, a bulk (RESP2/RESP3) or simple string.
  if (raw[p] === 0x24) {
    e = lineEnd(raw, p);
    if (e < 0) return out;
    const len = num(raw, p + 1, e);
    if (len < 0 || len > 12) return out;
    const kind = KINDS.get(raw.toString('latin1', e + 2, e + 2 + len).toLowerCase());
    if (kind === undefined) return out;
    out.kind = kind;
    p = e + 2 + len + 2;
  } else if (raw[p] === 0x2b) {
    e = lineEnd(raw, p);
    if (e < 0) return out;
    const kind = KINDS.get(raw.toString('latin1', p + 1, e).toLowerCase());
    if (kind === undefined) return out;
    out.kind = kind;
    p = e + 2;
  } else {
    return out;
  }
  if (out.kind === PS_MESSAGE || n !== 3) return out;
  // Second element: the channel (bulk, or null when unsubscribing from nothing).
  e = lineEnd(raw, p);
  if (e < 0) return out;
  if (raw[p] === 0x24) {
    const len = num(raw, p + 1, e);
    p = len < 0 ? e + 2 : e + 2 + len + 2;
  } else {
    p = e + 2;
  }
  // Third: the count.
  if (raw[p] !== 0x3a) return out;
  e = lineEnd(raw, p);
  if (e < 0) return out;
  out.count = num(raw, p + 1, e);
  return out;
}
