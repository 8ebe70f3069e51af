/**
 * Test helper (not shipped code): runs a streaming parser over an input three ways, as
 * the house style requires for every decoder case: whole, byte by byte, and split in two
 * at every boundary. Returns one outcome per run so callers can assert they all agree.
 */
export interface Sink<V, E> {
  write(chunk: Buffer): void;
  values: V[];
  errors: E[];
}

export interface Outcome<V, E> {
  how: string;
  values: V[];
  errors: E[];
}

export function runThreeWays<V, E>(input: Buffer, make: () => Sink<V, E>): Outcome<V, E>[] {
  const out: Outcome<V, E>[] = [];
  const whole = make();
  whole.write(Buffer.from(input));
  out.push({ how: 'whole', values: whole.values, errors: whole.errors });

  const bytes = make();
  for (let i = 0; i < input.length; i++) bytes.write(Buffer.from(input.subarray(i, i + 1)));
  out.push({ how: 'byte by byte', values: bytes.values, errors: bytes.errors });

  for (let cut = 1; cut < input.length; cut++) {
    const s = make();
    // Fresh copies: the parsers may keep views of the chunks they were given.
    s.write(Buffer.from(input.subarray(0, cut)));
    s.write(Buffer.from(input.subarray(cut)));
    out.push({ how: `split at ${cut}`, values: s.values, errors: s.errors });
  }
  return out;
}

/** Splits input at random points (for fuzzing large inputs where every boundary is too slow). */
export function randomChunks(input: Buffer, rnd: () => number, maxPieces = 8): Buffer[] {
  const cuts = new Set<number>();
  const n = Math.floor(rnd() * maxPieces);
  for (let i = 0; i < n && input.length > 1; i++) cuts.add(1 + Math.floor(rnd() * (input.length - 1)));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(Buffer.from(input.subarray(prev, c)));
    prev = c;
  }
  out.push(Buffer.from(input.subarray(prev)));
  return out;
}

/** A small seeded PRNG (mulberry32) so fuzz failures are reproducible from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that look like RESP, so a framer that reads outside its range goes wrong visibly. */
const GARBAGE = Buffer.from('\r\n+X\r\n*1\r\n$1\r\nY\r\n:');

/**
 * Feeds chunks the way the interlay does: each as a range of one shared buffer with garbage
 * around it, and the buffer overwritten with garbage as soon as `write` returns. A framer
 * that reads outside its range, or keeps a reference to a chunk, fails its test.
 */
export function viaSharedBuffer(write: (buf: Buffer, start: number, end: number) => void): (chunk: Buffer) => void {
  let shared = Buffer.alloc(64);
  return (chunk) => {
    const pad = GARBAGE.length;
    if (shared.length < chunk.length + 2 * pad) shared = Buffer.alloc(chunk.length + 2 * pad);
    shared.fill(GARBAGE);
    chunk.copy(shared, pad);
    write(shared, pad, pad + chunk.length);
    shared.fill(GARBAGE);
  };
}
