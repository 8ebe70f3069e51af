import { defineConfig } from 'prisma/config';

// The CLI is used here only for `prisma generate` (see scripts/prisma-generate.mjs).
// Migrations are applied by the server itself (lib/db/migrate.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
