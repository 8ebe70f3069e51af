// `npm start`: builds the Next.js app when the build is missing or older than the sources,
// then runs the custom server (server/main.ts) in this process through tsx.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureNodeFlags } from './node-flags.mjs';

await ensureNodeFlags();

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
process.env.NODE_ENV ||= 'production';
const require = createRequire(import.meta.url);

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    // Tests are not part of the build: editing one needs no rebuild.
    if (e.name === 'node_modules' || e.name === 'generated' || e.name.startsWith('.') || /\.test\.tsx?$/.test(e.name)) continue;
    max = Math.max(max, newestMtime(path.join(p, e.name)));
  }
  return max;
}

if (process.env.NODE_ENV === 'production' && process.env.SKIP_BUILD !== '1') {
  const buildId = path.join(root, '.next', 'BUILD_ID');
  const built = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  // server/ counts: route handlers import server/api, so Next bundles it.
  const sources = Math.max(...['app', 'components', 'lib', 'server', 'next.config.ts', 'package-lock.json'].map((p) => newestMtime(path.join(root, p))));
  if (sources > built) {
    console.log('Building the console (next build); this takes a minute the first time...');
    execFileSync(process.execPath, [require.resolve('next/dist/bin/next'), 'build'], { stdio: 'inherit' });
  }
}

const { register } = await import('tsx/esm/api');
register();
await import('../server/main.ts');
