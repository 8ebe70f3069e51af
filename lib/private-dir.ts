/**
 * The console's data folder holds the embedded database (password hashes, sealed endpoint
 * passwords) and the key that unseals them: only the console's own user may enter it.
 */
import fs from 'node:fs';

/** Creates `dir` (and missing parents) as 0700, and takes group and world access away from an existing one. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = fs.statSync(dir).mode & 0o777;
  // Fixes folders made by earlier versions (0755); keeps a stricter mode someone chose.
  if (mode & 0o077) fs.chmodSync(dir, mode & 0o700);
}
