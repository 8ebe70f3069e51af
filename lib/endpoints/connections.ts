/**
 * Pooled connections per endpoint and role (`connection_pool.multiplexed_connections`
 * each), opened lazily and closed when the endpoint changes or is deleted.
 */
import type { Logger } from '../logger';
import { ConnectionPool, RedisConnection, targetConnectionOptions, type RedisConnectionOptions } from '../redis';
import type { ConnRole, ResolvedConn } from './schema';

export type EndpointConnection = ConnectionPool;

/** Client options for one role's settings. */
export function connectionOptions(conn: ResolvedConn, clientName?: string): RedisConnectionOptions {
  return targetConnectionOptions(conn, { clientName });
}

/** A fresh, connected, unpooled connection (checks and probes that must not share state). */
export async function openConnection(opts: RedisConnectionOptions): Promise<RedisConnection> {
  const c = new RedisConnection(opts);
  await c.connect();
  return c;
}

interface SettingsSource {
  (name: string): Promise<{ version: number; roles: Partial<Record<ConnRole, ResolvedConn>>; poolSize: number }>;
}

export class EndpointPools {
  private readonly pools = new Map<string, { version: number; pool: ConnectionPool }>();

  constructor(private readonly settings: SettingsSource, private readonly log: Logger) {}

  async get(name: string, role: ConnRole): Promise<ConnectionPool> {
    const key = `${name}\u0000${role}`;
    const s = await this.settings(name);
    const existing = this.pools.get(key);
    if (existing && existing.version === s.version) return existing.pool;
    if (existing) await existing.pool.close().catch(() => {});
    const conn = s.roles[role];
    if (!conn) throw new Error(`endpoint "${name}" has no ${role} connection`);
    const pool = new ConnectionPool({ ...connectionOptions(conn, `ri-console-${role}`), size: s.poolSize });
    this.pools.set(key, { version: s.version, pool });
    this.log.debug({ endpoint: name, role, size: s.poolSize }, 'endpoint pool opened');
    return pool;
  }

  async drop(name: string): Promise<void> {
    for (const [key, { pool }] of this.pools) {
      if (key.startsWith(`${name}\u0000`)) {
        this.pools.delete(key);
        await pool.close().catch(() => {});
      }
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(all.map((p) => p.pool.close().catch(() => {})));
  }
}
