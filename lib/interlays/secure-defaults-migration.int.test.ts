/**
 * The secure-defaults migration on interlays stored before it: a loopback interlay without
 * client auth keeps serving unauthenticated clients as an acknowledged exception; an
 * interlay on another address, or with auth, is left to the new default (auth required).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, dbKinds } from '@/test/db';

const SQL = fs.readFileSync(path.resolve('prisma/migrations/20261201300000_interlay_secure_defaults/migration.sql'), 'utf8');

describe.each(await dbKinds())('interlay secure-defaults migration on %s', (kind) => {
  it('marks only auth-less loopback interlays as acknowledged exceptions', async () => {
    const db = await createTestDatabase(kind);
    try {
      const rows = [
        { id: 'local-open', port: 16001, settings: { bind_address: '127.0.0.1', max_concurrent_connections: 10, idle_timeout_s: 0 } },
        { id: 'wide-open', port: 16002, settings: { bind_address: '0.0.0.0', max_concurrent_connections: 10, idle_timeout_s: 0 } },
        { id: 'local-auth', port: 16003, settings: { bind_address: '127.0.0.1', max_concurrent_connections: 10, idle_timeout_s: 0, auth: { password: 'enc:v1:x' } } },
      ];
      for (const r of rows) await db.prisma.interlay.create({ data: { id: r.id, endpoint: 'e', port: r.port, settings: r.settings } });
      await db.sql.exec(SQL);
      const after = Object.fromEntries(
        (await db.prisma.interlay.findMany()).map((r) => [r.id, (r.settings as { allow_unauthenticated?: { reason: string; acknowledged_by: string } }).allow_unauthenticated]),
      );
      expect(after['local-open']).toMatchObject({ reason: 'kept from before client authentication became the default', acknowledged_by: 'migration' });
      expect(after['wide-open']).toBeUndefined();
      expect(after['local-auth']).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });
});
