/**
 * Redis endpoints: CRUD with passwords sealed at rest, connectivity checks per role, and
 * direct read/write calls over pooled connections. Other services (interlays, copy jobs)
 * get resolved connection settings from here and register as users of an endpoint so that
 * deleting one in use is refused.
 */
import { classify, explainRefusal, type Argv } from '../commands';
import { AppError, conflict, notFound, type FieldIssue } from '../errors';
import type { Logger } from '../logger';
import { can, type Actor } from '../auth/roles';
import type { AuditService } from '../audit/service';
import type { PrismaClient } from '../db';
import { Prisma } from '../db/generated/client';
import type { Notifier } from '../events';
import { respToJson, jsonToArg } from '../resp/json';
import type { RespArg, RespValue } from '../resp/types';
import { checkRole, type RoleCheck } from './check';
import { EndpointPools, type EndpointConnection } from './connections';
import { redactReplies } from './redact';
import { SecretBox } from './secrets';
import {
  connMoved,
  PASSWORD_MASK,
  passwordHolders,
  resolveConns,
  ROLE_NAMES,
  type ConnRole,
  type CreateEndpointInput,
  type EndpointConfig,
  type ResolvedConn,
  type UpdateEndpointInput,
} from './schema';

export interface CheckReport {
  endpoint: string;
  checked_at: string;
  ok: boolean;
  roles: Partial<Record<ConnRole, RoleCheck>>;
}

export interface EndpointView {
  endpoint: string;
  kind: string;
  description: string;
  config: unknown;
  created_at: string;
  updated_at: string;
  version: number;
  last_check: CheckReport | null;
  used_by: EndpointUse[];
}

export interface EndpointUse {
  type: string;
  id: string;
}

/** Settings another service needs to open its own connections to an endpoint. */
export interface EndpointSettings {
  name: string;
  version: number;
  roles: Partial<Record<ConnRole, ResolvedConn>>;
  poolSize: number;
}

/**
 * `details` of a direct call refused for its command: where it can run instead, and the
 * permission that needs, so the console can point at its Write toggle.
 */
export interface CommandRefusal {
  command: string;
  /** Index of the command in the request. */
  index: number;
  run_on: 'write';
  needs: 'operate' | 'admin';
}

export type UsageChecker = (endpoint: string) => Promise<EndpointUse[]>;
export type ChangeListener = (endpoint: string, change: 'updated' | 'deleted') => void;

/** Endpoints only announce changes (no room events). */
type NotifierLike = Pick<Notifier, 'changed'>;

type Row = { id: string; name: string; kind: string; description: string; config: unknown; lastCheck: unknown; version: number; createdAt: Date; updatedAt: Date };

export class EndpointService {
  private readonly usage: UsageChecker[] = [];
  private readonly listeners: ChangeListener[] = [];
  private readonly pools: EndpointPools;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly notifier: NotifierLike,
    private readonly log: Logger,
  ) {
    this.pools = new EndpointPools((name) => this.settings(name), log);
  }

  /** Interlays, copy jobs and migrations report which endpoints they use. */
  registerUsage(checker: UsageChecker): void {
    this.usage.push(checker);
  }

  /** Called after an endpoint's settings change or it is deleted (e.g. to reconnect an interlay). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  async list(): Promise<EndpointView[]> {
    const rows = await this.prisma.endpoint.findMany({ orderBy: { name: 'asc' } });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async get(name: string): Promise<EndpointView> {
    return this.view(await this.row(name));
  }

  async create(actor: Actor, input: CreateEndpointInput): Promise<EndpointView> {
    if (await this.prisma.endpoint.findUnique({ where: { name: input.endpoint } })) {
      throw conflict(`An endpoint named "${input.endpoint}" already exists`);
    }
    const config = this.seal(structuredClone(input.config), undefined);
    const row = await this.prisma.endpoint.create({
      data: { name: input.endpoint, kind: input.kind, description: input.description, config: config as never },
    });
    await this.audit.record(actor, { action: 'endpoint.create', objectType: 'endpoint', objectId: row.name, details: { shape: shapeOf(input.config) } });
    this.notifier.changed({ kind: 'endpoint', id: row.name });
    return this.view(row);
  }

  async update(actor: Actor, name: string, input: UpdateEndpointInput): Promise<EndpointView> {
    const row = await this.row(name);
    if (input.endpoint !== undefined && input.endpoint !== name) {
      throw new AppError('VALIDATION', 'An endpoint cannot be renamed; create a new one', { issues: [{ path: 'endpoint', message: 'cannot be changed' }] });
    }
    const config = input.config ? this.seal(structuredClone(input.config), row.config as EndpointConfig) : undefined;
    const updated = await this.prisma.endpoint.update({
      where: { id: row.id },
      data: {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(config ? { config: config as never, version: { increment: 1 }, lastCheck: Prisma.DbNull } : {}),
      },
    });
    if (config) {
      await this.pools.drop(name);
      for (const l of this.listeners) l(name, 'updated');
    }
    await this.audit.record(actor, { action: 'endpoint.update', objectType: 'endpoint', objectId: name, details: { config_changed: Boolean(config) } });
    this.notifier.changed({ kind: 'endpoint', id: name });
    return this.view(updated);
  }

  async delete(actor: Actor, name: string): Promise<void> {
    const row = await this.row(name);
    const users = await this.usedBy(name);
    if (users.length > 0) {
      throw conflict(`Endpoint "${name}" is used by ${users.map((u) => `${u.type} "${u.id}"`).join(', ')}; remove those first`, { used_by: users });
    }
    await this.prisma.endpoint.delete({ where: { id: row.id } });
    await this.pools.drop(name);
    for (const l of this.listeners) l(name, 'deleted');
    await this.audit.record(actor, { action: 'endpoint.delete', objectType: 'endpoint', objectId: name });
    this.notifier.changed({ kind: 'endpoint', id: name });
  }

  /** Connects with each role's connection (fresh, not pooled) and reports what it finds. */
  async check(actor: Actor, name: string): Promise<CheckReport> {
    const settings = await this.settings(name);
    const roles: Partial<Record<ConnRole, RoleCheck>> = {};
    await Promise.all(
      ROLE_NAMES.map(async (role) => {
        const conn = settings.roles[role];
        if (conn) roles[role] = await checkRole(conn);
      }),
    );
    const report: CheckReport = { endpoint: name, checked_at: new Date().toISOString(), ok: Object.values(roles).every((r) => r.reachable), roles };
    await this.prisma.endpoint.update({ where: { name }, data: { lastCheck: report as never } });
    await this.audit.record(actor, { action: 'endpoint.check', objectType: 'endpoint', objectId: name, details: { ok: report.ok } });
    this.notifier.changed({ kind: 'endpoint', id: name });
    return report;
  }

  /**
   * Runs commands on the endpoint's read or write connection, pipelined. The command table
   * decides: the read connection refuses write, admin and unknown commands; on the write
   * connection admin commands (CONFIG, ACL, DEBUG ...) and dangerous ones (FLUSHALL,
   * FLUSHDB, SWAPDB, FUNCTION FLUSH) need the admin role. Secrets in replies are redacted for
   * everyone (redact.ts). Redis error replies come back as `{"$error": ...}` values.
   */
  async call(actor: Actor, name: string, role: 'read' | 'write', commands: unknown[][]): Promise<{ replies: unknown[]; duration_ms: number }> {
    if (commands.length === 0) throw new AppError('VALIDATION', 'No command given', { issues: [{ path: 'commands', message: 'at least one command' }] });
    const at = (i: number) => (commands.length === 1 ? 'command' : `commands.${i}`);
    const argvs = commands.map((c, i) => {
      if (c.length === 0) throw new AppError('VALIDATION', 'A command cannot be empty', { issues: [{ path: at(i), message: 'empty command' }] });
      return c.map((a, j) => {
        try {
          return jsonToArg(a);
        } catch (e) {
          throw new AppError('VALIDATION', `Argument ${j} of command ${i}: ${(e as Error).message}`, { issues: [{ path: `${at(i)}.${j}`, message: (e as Error).message }] });
        }
      });
    });
    // The command table reads names and tokens as text; numbers are arguments like any other.
    const texts: Argv[] = argvs.map((argv) => argv.map((a) => (typeof a === 'number' ? String(a) : a)));
    texts.forEach((argv, i) => {
      const info = classify(argv);
      const needs = info.isAdmin || info.destructive ? 'admin' : 'operate';
      const refusal = (): CommandRefusal => ({ command: info.known ? info.displayName : String(argv[0]).toUpperCase(), index: i, run_on: 'write', needs });
      if (role === 'read') {
        const why = explainRefusal(argv);
        if (why) throw new AppError('VALIDATION', why, { issues: [{ path: at(i), message: why }], details: refusal() });
      } else if (needs === 'admin' && !can(actor.role, 'admin')) {
        const why = `${refusal().command} is ${info.isAdmin ? 'an admin' : 'a dangerous'} command: only admins may run it`;
        throw new AppError('FORBIDDEN', why, { issues: [{ path: at(i), message: why }], details: refusal() });
      }
    });
    const pool = await this.pools.get(name, role);
    const started = performance.now();
    let replies: RespValue[];
    try {
      replies = await pool.pipeline(argvs as RespArg[][]);
    } catch (e) {
      throw new AppError('UPSTREAM', `Endpoint "${name}" (${role}) failed: ${(e as Error).message}`, { cause: e });
    }
    const duration = performance.now() - started;
    if (role === 'write') {
      // Which commands ran, never their values.
      await this.audit.record(actor, { action: 'endpoint.write', objectType: 'endpoint', objectId: name, details: { commands: argvs.map((a) => String(a[0]).toUpperCase()) } });
    }
    return { replies: redactReplies(argvs, replies).map((r) => respToJson(r)), duration_ms: Math.round(duration * 1000) / 1000 };
  }

  /** Pooled connection for another service (e.g. the compatibility checks' probes). */
  async connection(name: string, role: ConnRole): Promise<EndpointConnection> {
    return this.pools.get(name, role);
  }

  /** Decrypted per-role settings for services that open their own connections. Never returned by the API. */
  async settings(name: string): Promise<EndpointSettings> {
    const row = await this.row(name);
    const cfg = structuredClone(row.config) as EndpointConfig;
    for (const { holder } of passwordHolders(cfg)) {
      if (SecretBox.isSealed(holder.password)) holder.password = this.secrets.open(holder.password);
    }
    return { name, version: row.version, roles: resolveConns(cfg), poolSize: cfg.connection_pool.multiplexed_connections };
  }

  async usedBy(name: string): Promise<EndpointUse[]> {
    return (await Promise.all(this.usage.map((u) => u(name)))).flat();
  }

  async close(): Promise<void> {
    await this.pools.closeAll();
  }

  // ---- internals ----

  private async row(name: string): Promise<Row> {
    const row = await this.prisma.endpoint.findUnique({ where: { name } });
    if (!row) throw notFound('Endpoint', name);
    return row;
  }

  /**
   * Replaces each plaintext password by its ciphertext; an empty one means none. A password
   * left out or sent as the mask keeps the stored one of the same role (PATCH without a
   * password keeps the old one) — but only while the role's connection goes where it went:
   * after a change of host, port or TLS the password must be entered again, or anyone who
   * may edit endpoints could point one at their own server and collect the stored password.
   */
  private seal(cfg: EndpointConfig, previous: EndpointConfig | undefined): EndpointConfig {
    const old = new Map(previous ? passwordHolders(previous).map((h) => [h.role, h.holder.password]) : []);
    const before = previous ? resolveConns(previous) : {};
    const after = resolveConns(cfg);
    const issues: FieldIssue[] = [];
    for (const { role, path, holder } of passwordHolders(cfg)) {
      if (holder.password === '') {
        delete holder.password;
      } else if (holder.password === undefined || holder.password === PASSWORD_MASK) {
        const prior = old.get(role);
        if (prior === undefined) delete holder.password;
        else if (connMoved(before[role], after[role])) issues.push({ path: `config.${path}.password`, message: 'the host, port or TLS settings changed: enter the password again (empty for none)' });
        else holder.password = prior;
      } else {
        holder.password = this.secrets.seal(holder.password);
      }
    }
    if (issues.length) {
      throw new AppError('VALIDATION', `A stored password is only sent where it was entered for: ${issues.map((i) => i.path).join(', ')} must be entered again`, { issues });
    }
    return cfg;
  }

  private async view(row: Row): Promise<EndpointView> {
    const config = structuredClone(row.config) as EndpointConfig;
    for (const { holder } of passwordHolders(config)) {
      const h = holder as { password?: string; has_password?: boolean };
      h.has_password = h.password !== undefined;
      if (h.password !== undefined) h.password = PASSWORD_MASK;
    }
    return {
      endpoint: row.name,
      kind: row.kind,
      description: row.description,
      config,
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      version: row.version,
      last_check: (row.lastCheck as CheckReport | null) ?? null,
      used_by: await this.usedBy(row.name),
    };
  }
}

function shapeOf(cfg: EndpointConfig): 'connections' | 'target' {
  return 'read_conn' in cfg ? 'connections' : 'target';
}

