/**
 * Opens the console's database: a real PostgreSQL when a URL is given, otherwise embedded
 * PostgreSQL (PGlite) in a data folder. Both go through a Prisma driver adapter, and
 * pending migrations are applied before the client is handed out.
 */
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { ensurePrivateDir } from '../private-dir';
import { PrismaClient } from './generated/client';
import { applyMigrations, readMigrations, type MigrateResult, type SqlExecutor } from './migrate';

export { PrismaClient };
export type * from './generated/client';

export interface DatabaseOptions {
  /** postgresql:// URL; `?schema=name` selects (and creates) a schema. */
  url?: string;
  /** Folder for the embedded database when no URL is given. */
  dataDir?: string;
  migrationsDir?: string;
}

export interface Database {
  prisma: PrismaClient;
  kind: 'postgresql' | 'embedded';
  /** Where the data lives, for logs and health: host/db/schema or a folder (never a password). */
  location: string;
  migrations: MigrateResult;
  /** Raw SQL for health checks and bulk paths the ORM does not fit. */
  sql: SqlExecutor;
  close(): Promise<void>;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const migrations = readMigrations(opts.migrationsDir);
  if (opts.url) return openPostgres(opts.url, migrations);
  if (!opts.dataDir) throw new Error('either a database URL or a data folder is required');
  return openEmbedded(opts.dataDir, migrations);
}

async function openPostgres(url: string, migrations: ReturnType<typeof readMigrations>): Promise<Database> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema && !/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name in DATABASE_URL: ${schema}`);
  parsed.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    // Every connection works inside the chosen schema, so migrations need no schema names.
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  const sql: SqlExecutor = {
    async exec(text) {
      await pool.query(text);
    },
    async query(text, params) {
      return (await pool.query(text, params as unknown[])).rows;
    },
  };
  try {
    if (schema) await sql.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // Migrations run on one dedicated client so BEGIN/COMMIT and the advisory lock hold.
    const client = await pool.connect();
    let result: MigrateResult;
    try {
      result = await applyMigrations(
        { exec: async (t) => void (await client.query(t)), query: async (t, p) => (await client.query(t, p as unknown[])).rows },
        migrations,
        { advisoryLock: true },
      );
    } finally {
      client.release();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool, schema ? { schema } : undefined) });
    return {
      prisma,
      kind: 'postgresql',
      location: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}${schema ? `?schema=${schema}` : ''}`,
      migrations: result,
      sql,
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }
}

async function openEmbedded(dataDir: string, migrations: ReturnType<typeof readMigrations>): Promise<Database> {
  const dir = path.resolve(dataDir, 'pglite');
  ensurePrivateDir(path.resolve(dataDir));
  ensurePrivateDir(dir);
  const client = await PGlite.create(dir);
  const sql: SqlExecutor = {
    async exec(text) {
      await client.exec(text);
    },
    async query(text, params) {
      return (await client.query(text, params as unknown[])).rows as never[];
    },
  };
  try {
    const result = await applyMigrations(sql, migrations);
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
    return {
      prisma,
      kind: 'embedded',
      location: dir,
      migrations: result,
      sql,
      async close() {
        await prisma.$disconnect();
        await client.close();
      },
    };
  } catch (e) {
    await client.close().catch(() => {});
    throw e;
  }
}
