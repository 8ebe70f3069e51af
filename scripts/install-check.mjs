// What `npm test` and `npm run demo` need before they can run anything: the installed
// packages and the Prisma client that `npm ci` generates (postinstall). Without this check
// a fresh checkout's `npm test` ends in "0 passed, 1 failed" with no word about why.
import fs from 'node:fs';
import path from 'node:path';

/** The missing pieces, each with what to run; empty when the checkout is ready. */
export function missingInstall(root) {
  const missing = [];
  for (const bin of ['vitest', 'playwright', 'next', 'tsx']) {
    if (!fs.existsSync(path.join(root, 'node_modules', '.bin', bin))) missing.push(`node_modules/.bin/${bin} (the packages are not installed: run npm ci first)`);
  }
  if (!fs.existsSync(path.join(root, 'lib', 'db', 'generated', 'client.ts'))) {
    missing.push('lib/db/generated/client.ts (the Prisma client is not generated: run npm ci first, or node scripts/prisma-generate.mjs)');
  }
  return missing;
}

/** Prints what is missing and exits 1; returns when the checkout is ready. */
export function requireInstall(root, what) {
  const missing = missingInstall(root);
  if (missing.length === 0) return;
  console.error(`Cannot run ${what}: run npm ci first. Missing:`);
  for (const m of missing) console.error(`  - ${m}`);
  process.exit(1);
}
