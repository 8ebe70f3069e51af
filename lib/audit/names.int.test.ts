import { afterAll, describe, expect, it } from 'vitest';
import { readMigrations } from '@/lib/db/migrate';
import { createTestDatabase, dbKinds, type TestDatabase } from '@/test/db';
import { isAuditAction } from './names';

const MIGRATION = '20261201550000_audit_names';

/** Rows as the console wrote them before one naming scheme, and what each becomes. */
const LEGACY: [objectType: string, action: string, renamed: [string, string]][] = [
  ['copy-job', 'copy_job.create', ['copy_job', 'copy_job.create']],
  ['copy-job', 'copy_job.retry_error_keys', ['copy_job', 'copy_job.retry_error_keys']],
  ['compat-report', 'compat-report.create', ['compat_report', 'compat_report.create']],
  ['compat-report', 'compat-report.acknowledge', ['compat_report', 'compat_report.acknowledge']],
  ['api_token', 'token.create', ['api_token', 'api_token.create']],
  ['api_token', 'token.revoke', ['api_token', 'api_token.revoke']],
  ['user', 'session.login', ['user', 'user.login']],
  ['user', 'session.throttled', ['user', 'user.login_throttled']],
  ['interlay', 'interlay.routing', ['interlay', 'interlay.routing']],
  ['endpoint', 'endpoint.write', ['endpoint', 'endpoint.write']],
];

describe.each(await dbKinds())('the audit_names migration on %s', (kind) => {
  let db: TestDatabase;
  afterAll(async () => db?.destroy());

  it('renames rows written before the scheme, leaves the rest, and is harmless to run twice', async () => {
    db = await createTestDatabase(kind);
    const sql = readMigrations().find((m) => m.name === MIGRATION)?.sql;
    expect(sql, 'the migration folder').toBeDefined();
    expect(db.migrations.applied).toContain(MIGRATION);
    const p = db.prisma;
    // Written as if before the migration (it has already run on this empty database).
    for (const [objectType, action] of LEGACY) await p.auditLog.create({ data: { actorName: 'admin', action, objectType, objectId: 'x' } });
    await db.sql.exec(sql!);
    await db.sql.exec(sql!);
    const rows = await p.auditLog.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.objectType, r.action])).toEqual(LEGACY.map((l) => l[2]));
    expect(rows.every((r) => isAuditAction(r.objectType, r.action))).toBe(true);
  });
});
