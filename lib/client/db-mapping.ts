/** A database mapping as people type it (copy jobs, migration setup). */

/** "0:0, 1:5" → {"0": 0, "1": 5}; undefined when empty; throws on bad input. */
export function parseDbMapping(text: string): Record<string, number> | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const out: Record<string, number> = {};
  for (const part of t.split(/[,\s]+/).filter(Boolean)) {
    const m = /^(\d+)(?::|->|=)(\d+)$/.exec(part);
    if (!m) throw new Error(`"${part}" is not source:target (e.g. 0:0)`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}
