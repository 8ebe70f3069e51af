// Generates the Prisma client into lib/db/generated. The Prisma CLI tries to download its
// schema engine before any command; generation does not need it (the generator is
// WebAssembly), so point the variable at a path that exists to skip the download.
// See ../shared/notes/prisma-offline.md.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
execFileSync(process.execPath, [cli, 'generate', '--no-hints'], {
  stdio: 'inherit',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
});
