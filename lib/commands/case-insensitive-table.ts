/**
 * A read-only map from ASCII command names to values, looked up case-insensitively
 * by string or by the raw bytes of a RESP bulk string, without allocating on the
 * common paths. It runs once per proxied command, so:
 * - strings: the table holds the lowercase and the UPPERCASE spelling of every name,
 *   which covers what clients actually send ("GET", "get") with one Map lookup; only
 *   mixed case ("Get") pays for a `toLowerCase()`.
 * - bytes: an open-addressing hash table keyed by an FNV-1a hash of the ASCII-folded
 *   bytes, compared byte by byte with folding. Decoding a Buffer to a string first
 *   would allocate one string per command.
 */

type Slot<V> = { readonly bytes: Uint8Array; readonly value: V };

/** FNV-1a constants (32 bit). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Folds A-Z to a-z; every other byte is left alone (command names are ASCII). */
function fold(c: number): number {
  return c >= 65 && c <= 90 ? c | 0x20 : c;
}

function hashBytes(b: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ fold(b[i]!), FNV_PRIME);
  return h >>> 0;
}

export class CaseInsensitiveTable<V> {
  private readonly byString = new Map<string, V>();
  private readonly slots: (Slot<V> | undefined)[];
  private readonly mask: number;
  private readonly maxLength: number;

  /** `entries` are keyed by lowercase ASCII names. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const list = [...entries];
    let maxLength = 0;
    for (const [name, value] of list) {
      this.byString.set(name, value);
      this.byString.set(name.toUpperCase(), value);
      if (name.length > maxLength) maxLength = name.length;
    }
    this.maxLength = maxLength;
    // Load factor at most 1/4 keeps probe chains to one or two slots.
    let size = 8;
    while (size < list.length * 4) size <<= 1;
    this.mask = size - 1;
    this.slots = new Array<Slot<V> | undefined>(size).fill(undefined);
    for (const [name, value] of list) {
      const bytes = Buffer.from(name, 'latin1');
      let i = hashBytes(bytes) & this.mask;
      while (this.slots[i] !== undefined) i = (i + 1) & this.mask;
      this.slots[i] = { bytes, value };
    }
  }

  get(name: string | Uint8Array): V | undefined {
    if (typeof name === 'string') {
      const hit = this.byString.get(name);
      if (hit !== undefined || name.length > this.maxLength) return hit;
      return this.byString.get(name.toLowerCase());
    }
    if (name.length === 0 || name.length > this.maxLength) return undefined;
    let i = hashBytes(name) & this.mask;
    for (;;) {
      const slot = this.slots[i];
      if (slot === undefined) return undefined;
      if (equalsFolded(slot.bytes, name)) return slot.value;
      i = (i + 1) & this.mask;
    }
  }
}

/** `lower` is lowercase ASCII; `candidate` may be in any case. */
function equalsFolded(lower: Uint8Array, candidate: Uint8Array): boolean {
  if (lower.length !== candidate.length) return false;
  for (let i = 0; i < lower.length; i++) if (lower[i] !== fold(candidate[i]!)) return false;
  return true;
}
