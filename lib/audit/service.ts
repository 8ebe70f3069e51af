import type { Logger } from '../logger';
import type { Actor } from '../auth/roles';
import type { PrismaClient } from '../db';
import type { AuditAction, AuditObjectType } from './names';

/** Named by the scheme in ./names.ts: the action starts with its object type. */
export type AuditEntry = { [T in AuditObjectType]: AuditEntryOf<T> }[AuditObjectType];

interface AuditEntryOf<T extends AuditObjectType> {
  action: AuditAction<T>;
  objectType: T;
  objectId?: string;
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  objectType?: string;
  objectId?: string;
  limit?: number;
  before?: bigint;
}

/** Appends who-did-what rows. Callers pass details without secrets. */
export class AuditService {
  constructor(private readonly prisma: PrismaClient, private readonly log: Logger) {}

  async record(actor: Actor, entry: AuditEntry): Promise<void> {
    await this.prisma.auditLog.create({
      data: {
        actorId: actor.userId || null,
        actorName: actor.username,
        action: entry.action,
        objectType: entry.objectType,
        objectId: entry.objectId ?? null,
        details: (entry.details ?? undefined) as never,
        ip: actor.ip ?? null,
      },
    });
    this.log.info({ actor: actor.username, action: entry.action, objectType: entry.objectType, objectId: entry.objectId }, 'audit');
  }

  async list(q: AuditQuery = {}) {
    const rows = await this.prisma.auditLog.findMany({
      where: {
        ...(q.objectType ? { objectType: q.objectType } : {}),
        ...(q.objectId ? { objectId: q.objectId } : {}),
        ...(q.before !== undefined ? { id: { lt: q.before } } : {}),
      },
      orderBy: { id: 'desc' },
      take: Math.min(q.limit ?? 100, 500),
    });
    return rows.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actor: r.actorName,
      action: r.action,
      object_type: r.objectType,
      object_id: r.objectId,
      details: r.details,
      ip: r.ip,
    }));
  }
}
