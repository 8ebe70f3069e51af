import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, dbKinds, type TestDatabase } from '@/test/db';
import { applyMigrations, readMigrations } from './migrate';

/**
 * The migrations, applied to an empty database, must produce the schema the generated
 * client expects: every model is exercised through the client on both database kinds.
 */
describe.each(await dbKinds())('migrations on %s', (kind) => {
  let db: TestDatabase;
  afterAll(async () => db?.destroy());

  it('apply to an empty database, are recorded like Prisma does, and re-apply as a no-op', async () => {
    db = await createTestDatabase(kind);
    const all = readMigrations();
    expect(db.migrations.applied).toEqual(all.map((m) => m.name));
    const rows = await db.sql.query<{ migration_name: string; checksum: string; finished_at: Date }>('SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((r) => r.migration_name)).toEqual(all.map((m) => m.name));
    expect(rows.every((r) => r.finished_at && r.checksum.length === 64)).toBe(true);
    const again = await applyMigrations(db.sql, all);
    expect(again).toEqual({ applied: [], alreadyApplied: all.length });
  });

  it('refuse a migration changed after it was applied', async () => {
    const changed = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await expect(applyMigrations(db.sql, changed)).rejects.toThrow(/changed after it was applied/);
  });

  it('give the foundation models the columns the client expects', async () => {
    const p = db.prisma;
    const user = await p.user.create({ data: { username: `u-${kind}`, passwordHash: 'h', role: 'operator', displayName: 'U' } });
    await p.session.create({ data: { userId: user.id, tokenHash: `s-${kind}`, expiresAt: new Date(Date.now() + 1000), userAgent: 'ua', ip: '127.0.0.1' } });
    await p.apiToken.create({ data: { userId: user.id, name: 't', prefix: 'rit_abc', tokenHash: `t-${kind}`, expiresAt: null } });
    await p.auditLog.create({ data: { actorId: user.id, actorName: user.username, action: 'a', objectType: 'o', objectId: '1', details: { k: [1, 'x'] }, ip: '::1' } });
    await p.endpoint.create({ data: { name: `e-${kind}`, config: { target: { host: 'h' } }, lastCheck: { ok: true } } });
    const loaded = await p.user.findUniqueOrThrow({ where: { id: user.id }, include: { sessions: true, apiTokens: true } });
    expect(loaded.sessions).toHaveLength(1);
    expect(loaded.apiTokens).toHaveLength(1);
    expect((await p.auditLog.findFirstOrThrow()).details).toEqual({ k: [1, 'x'] });
    expect((await p.endpoint.findFirstOrThrow()).lastCheck).toEqual({ ok: true });
    await p.user.delete({ where: { id: user.id } });
    expect(await p.session.count()).toBe(0);
  });

  it('give the copy job models the columns the client expects', async () => {
    const p = db.prisma;
    const job = await p.copyJob.create({ data: { source: 's', targets: ['t'], spec: {}, status: 'completed_with_errors', resolved: 3n, runToken: 'r', createdBy: 'u' } });
    await p.copyJobTransition.create({ data: { jobId: job.id, fromState: 'running', toState: 'completed_with_errors', event: 'complete_with_errors', actor: 'system' } });
    await p.copyJobErrorKey.create({ data: { jobId: job.id, target: 0, db: 0, key: new Uint8Array([0, 1]), errorClass: 'target_oom', message: 'OOM', resolved: true, resolution: 'accepted' } });
    const v = await p.copyJobVerification.create({ data: { jobId: job.id, mode: 'full', createdBy: 'u', repairStatus: 'partial', repairRemoved: 2, repairRescanned: true, repairMessage: 'm' } });
    const loaded = await p.copyJob.findUniqueOrThrow({ where: { id: job.id }, include: { transitions: true, errorKeys: true, verifications: true } });
    expect(loaded).toMatchObject({ status: 'completed_with_errors', resolved: 3n, runToken: 'r', errorKeys: [{ resolution: 'accepted' }], verifications: [{ id: v.id, repairRemoved: 2, repairRescanned: true, repairMessage: 'm' }] });
    await p.copyJob.delete({ where: { id: job.id } });
  });
});
