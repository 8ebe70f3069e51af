/**
 * Test databases, isolated per test: a fresh schema in the real PostgreSQL
 * (TEST_DATABASE_URL, default postgresql://root@127.0.0.1:5432/test) or a fresh embedded
 * PGlite folder. Both apply every migration first.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '@/lib/db';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/test';

export type DbKind = 'postgresql' | 'embedded';

let pgReachable: Promise<boolean> | undefined;

/** Whether the real PostgreSQL answers; on CI it must (a missing server fails the run). */
export function postgresAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      if (process.env.CI) throw new Error(`PostgreSQL at ${TEST_DATABASE_URL} is required on CI and is not reachable`);
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  })();
  return pgReachable;
}

export interface TestDatabase extends Database {
  /** Drops the schema or folder. */
  destroy(): Promise<void>;
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ri-pglite-'));
    const db = await openDatabase({ dataDir: dir });
    return {
      ...db,
      async destroy() {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${Date.now().toString(36)}_${crypto.randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('schema', schema);
  const db = await openDatabase({ url: url.toString() });
  return {
    ...db,
    async destroy() {
      await db.close();
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

/** The database kinds to run a suite against: embedded always, PostgreSQL when reachable (always on CI). */
export async function dbKinds(): Promise<DbKind[]> {
  return (await postgresAvailable()) ? ['embedded', 'postgresql'] : ['embedded'];
}
