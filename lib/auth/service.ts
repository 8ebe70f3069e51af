/**
 * Users, browser sessions and API tokens. Only hashes are stored: scrypt for passwords,
 * SHA-256 for session and API tokens (see crypto.ts for why that is enough).
 *
 * Credentials end with their grounds: a password change ends the user's other sessions and
 * revokes their API tokens; revoking a token revokes the tokens it minted; a minted token
 * never outlives its parent. Every such end is announced to `onRevoked` listeners (the
 * Socket.IO host disconnects the sockets those credentials opened). Sign-in is throttled
 * per username and address (throttle.ts).
 */
import { AppError, conflict, notFound } from '../errors';
import type { Logger } from '../logger';
import type { PrismaClient } from '../db';
import type { AuditService } from '../audit/service';
import { hashPassword, newToken, sha256, verifyPassword } from './crypto';
import { type Actor, type Role } from './roles';
import { LoginThrottle, type ThrottleKey, type ThrottleOptions } from './throttle';

export interface AuthOptions {
  sessionTtlMs: number;
  throttle?: Partial<ThrottleOptions>;
}

/** Credentials that just stopped being valid. */
export type Revocation =
  /** Password changed, user disabled or deleted: every session and token of the user, but `keepSessionId`. */
  | { kind: 'user'; userId: string; keepSessionId?: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'tokens'; tokenIds: string[] };

export type RevocationListener = (r: Revocation) => void;

/** Which of the given sessions and tokens still authenticate (for periodic re-validation). */
export interface LiveCredentials {
  sessionIds: Set<string>;
  tokenIds: Set<string>;
}

export interface PublicUser {
  id: string;
  username: string;
  display_name: string | null;
  role: Role;
  disabled: boolean;
  created_at: string;
}

export interface PublicToken {
  id: string;
  name: string;
  prefix: string;
  owner: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  /** The token this one was minted with, if any. */
  parent_id: string | null;
}

// Touching last_seen/last_used on every request would write on every call; once a minute is enough.
const TOUCH_INTERVAL_MS = 60_000;

type UserRow = { id: string; username: string; displayName: string | null; role: Role; disabled: boolean; createdAt: Date };

function publicUser(u: UserRow): PublicUser {
  return { id: u.id, username: u.username, display_name: u.displayName, role: u.role, disabled: u.disabled, created_at: u.createdAt.toISOString() };
}

export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly listeners: RevocationListener[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly audit: AuditService,
    private readonly log: Logger,
    private readonly opts: AuthOptions,
  ) {
    this.throttle = new LoginThrottle(opts.throttle);
  }

  /** Called after credentials stop being valid (the Socket.IO host disconnects their sockets); returns the unsubscribe. */
  onRevoked(listener: RevocationListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * On an empty database: creates the first admin. Uses the configured password/token when
   * given, otherwise generates a password and returns it so the host can print it once.
   */
  async bootstrap(cfg: { username: string; password?: string; token?: string }): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.prisma.user.count()) > 0) return { created: false };
    const generatedPassword = cfg.password ? undefined : newToken('ris').slice(4, 24);
    const user = await this.prisma.user.create({
      data: { username: cfg.username, role: 'admin', passwordHash: await hashPassword(cfg.password ?? generatedPassword!) },
    });
    if (cfg.token) {
      await this.prisma.apiToken.create({
        data: { userId: user.id, name: 'initial admin token (ADMIN_TOKEN)', prefix: cfg.token.slice(0, 8), tokenHash: sha256(cfg.token) },
      });
    }
    await this.audit.record({ userId: user.id, username: 'system', role: 'admin', via: 'system' }, { action: 'user.bootstrap', objectType: 'user', objectId: user.username });
    return { created: true, generatedPassword };
  }

  async login(username: string, password: string, meta: { userAgent?: string; ip?: string }): Promise<{ token: string; user: PublicUser; expiresAt: Date }> {
    const keys = this.throttle.keys(username, meta.ip);
    await this.admit(keys, username, meta.ip);
    const user = await this.prisma.user.findUnique({ where: { username } });
    // Verify against a dummy hash when the user is unknown so timing does not reveal names.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      this.log.warn({ username, ip: meta.ip }, 'login failed');
      throw new AppError('UNAUTHENTICATED', 'Wrong username or password');
    }
    this.throttle.forgive(keys);
    const token = newToken('ris');
    const expiresAt = new Date(Date.now() + this.opts.sessionTtlMs);
    await this.prisma.session.create({
      data: { userId: user.id, tokenHash: sha256(token), expiresAt, userAgent: meta.userAgent?.slice(0, 300), ip: meta.ip },
    });
    await this.audit.record({ userId: user.id, username: user.username, role: user.role, via: 'session', ip: meta.ip }, { action: 'user.login', objectType: 'user', objectId: user.username });
    return { token, user: publicUser(user), expiresAt };
  }

  /**
   * Refuses an attempt while its username or address is locked out (429 with the time
   * left), else records it as a failure up front; the caller forgives it on success.
   */
  private async admit(keys: ThrottleKey[], username: string, ip: string | undefined): Promise<void> {
    const refusal = this.throttle.check(keys);
    if (!refusal) {
      this.throttle.fail(keys);
      return;
    }
    const retryAfterS = Math.ceil(refusal.retryAfterMs / 1000);
    this.log.warn({ username, ip, scope: refusal.scope, retryAfterS }, 'login throttled');
    if (refusal.audit) {
      await this.audit.record(
        { userId: '', username: 'anonymous', role: 'viewer', via: 'system', ip },
        { action: 'user.login_throttled', objectType: 'user', objectId: username, details: { scope: refusal.scope, retry_after_s: retryAfterS, refused: refusal.audit.refused } },
      );
    }
    const who = refusal.scope === 'user' ? 'this user' : 'your address';
    throw new AppError('RATE_LIMITED', `Too many failed sign-ins for ${who}; try again in ${retryAfterS} s`, {
      retryAfterS,
      details: { scope: refusal.scope, retry_after_s: retryAfterS },
    });
  }

  async logout(sessionToken: string): Promise<void> {
    const s = await this.prisma.session.findUnique({ where: { tokenHash: sha256(sessionToken) } });
    if (!s) return;
    await this.prisma.session.deleteMany({ where: { id: s.id } });
    this.emit({ kind: 'session', sessionId: s.id });
  }

  /** Resolves a session cookie to an actor, sliding its expiry; undefined when invalid. */
  async authenticateSession(token: string, ip?: string): Promise<Actor | undefined> {
    const s = await this.prisma.session.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
    if (!s || s.user.disabled) return undefined;
    const now = Date.now();
    if (s.expiresAt.getTime() <= now) {
      await this.prisma.session.delete({ where: { id: s.id } }).catch(() => {});
      return undefined;
    }
    if (now - s.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.prisma.session.update({ where: { id: s.id }, data: { lastSeenAt: new Date(now), expiresAt: new Date(now + this.opts.sessionTtlMs) } });
    }
    return { userId: s.user.id, username: s.user.username, role: s.user.role, via: 'session', sessionId: s.id, ip };
  }

  async authenticateToken(token: string, ip?: string): Promise<Actor | undefined> {
    const t = await this.prisma.apiToken.findUnique({ where: { tokenHash: sha256(token) }, include: { user: true } });
    if (!t || t.revokedAt || t.user.disabled) return undefined;
    const now = Date.now();
    if (t.expiresAt && t.expiresAt.getTime() <= now) return undefined;
    if (!t.lastUsedAt || now - t.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      await this.prisma.apiToken.update({ where: { id: t.id }, data: { lastUsedAt: new Date(now) } });
    }
    return { userId: t.user.id, username: t.user.username, role: t.user.role, via: 'token', tokenId: t.id, ip };
  }

  /** Of the given sessions and tokens, those that still authenticate (not expired, revoked, or of a disabled or deleted user). */
  async liveCredentials(ids: { sessionIds: string[]; tokenIds: string[] }): Promise<LiveCredentials> {
    const now = new Date();
    const [sessions, tokens] = await Promise.all([
      ids.sessionIds.length
        ? this.prisma.session.findMany({ where: { id: { in: ids.sessionIds }, expiresAt: { gt: now }, user: { disabled: false } }, select: { id: true } })
        : [],
      ids.tokenIds.length
        ? this.prisma.apiToken.findMany({
            where: { id: { in: ids.tokenIds }, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }], user: { disabled: false } },
            select: { id: true },
          })
        : [],
    ]);
    return { sessionIds: new Set(sessions.map((r) => r.id)), tokenIds: new Set(tokens.map((r) => r.id)) };
  }

  async me(actor: Actor): Promise<PublicUser> {
    const u = await this.prisma.user.findUnique({ where: { id: actor.userId } });
    if (!u) throw new AppError('UNAUTHENTICATED', 'Your user no longer exists');
    return publicUser(u);
  }

  // ---- users (admin) ----

  async listUsers(): Promise<PublicUser[]> {
    return (await this.prisma.user.findMany({ orderBy: { username: 'asc' } })).map(publicUser);
  }

  async createUser(actor: Actor, input: { username: string; password: string; role: Role; display_name?: string }): Promise<PublicUser> {
    if (await this.prisma.user.findUnique({ where: { username: input.username } })) throw conflict(`A user named "${input.username}" already exists`);
    const u = await this.prisma.user.create({
      data: { username: input.username, role: input.role, displayName: input.display_name ?? null, passwordHash: await hashPassword(input.password) },
    });
    await this.audit.record(actor, { action: 'user.create', objectType: 'user', objectId: u.username, details: { role: u.role } });
    return publicUser(u);
  }

  async updateUser(actor: Actor, username: string, input: { password?: string; role?: Role; display_name?: string | null; disabled?: boolean }): Promise<PublicUser> {
    const u = await this.prisma.user.findUnique({ where: { username } });
    if (!u) throw notFound('User', username);
    if (u.id === actor.userId && ((input.role && input.role !== 'admin') || input.disabled)) {
      throw new AppError('BAD_REQUEST', 'You cannot demote or disable yourself; ask another admin');
    }
    const updated = await this.prisma.user.update({
      where: { id: u.id },
      data: {
        ...(input.role ? { role: input.role } : {}),
        ...(input.display_name !== undefined ? { displayName: input.display_name } : {}),
        ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
        ...(input.password ? { passwordHash: await hashPassword(input.password) } : {}),
      },
    });
    // A new password ends everything the old one opened; disabling ends the sessions (the
    // tokens stay, refused while the user is disabled, so re-enabling restores automation).
    let ended: { sessions: number; tokens: number } | undefined;
    if (input.password) ended = await this.endCredentials(u.id, { tokens: true });
    else if (input.disabled) ended = await this.endCredentials(u.id, { tokens: false });
    await this.audit.record(actor, {
      action: 'user.update',
      objectType: 'user',
      objectId: username,
      details: { role: input.role, disabled: input.disabled, password_changed: Boolean(input.password), ...(ended ? { ended } : {}) },
    });
    return publicUser(updated);
  }

  /**
   * Deletes the user's sessions (but `keepSessionId`) and, with `tokens`, revokes their API
   * tokens; announces it so open sockets close. Returns how many ended.
   */
  private async endCredentials(userId: string, opts: { tokens: boolean; keepSessionId?: string }): Promise<{ sessions: number; tokens: number }> {
    const sessions = await this.prisma.session.deleteMany({ where: { userId, ...(opts.keepSessionId ? { id: { not: opts.keepSessionId } } : {}) } });
    const tokens = opts.tokens ? await this.prisma.apiToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } }) : { count: 0 };
    this.emit({ kind: 'user', userId, keepSessionId: opts.keepSessionId });
    return { sessions: sessions.count, tokens: tokens.count };
  }

  private emit(r: Revocation): void {
    for (const l of this.listeners) {
      try {
        l(r);
      } catch (err) {
        this.log.error({ err }, 'revocation listener failed');
      }
    }
  }

  async deleteUser(actor: Actor, username: string): Promise<void> {
    const u = await this.prisma.user.findUnique({ where: { username } });
    if (!u) throw notFound('User', username);
    if (u.id === actor.userId) throw new AppError('BAD_REQUEST', 'You cannot delete yourself');
    // Sessions and tokens go with the user (ON DELETE CASCADE).
    await this.prisma.user.delete({ where: { id: u.id } });
    this.emit({ kind: 'user', userId: u.id });
    await this.audit.record(actor, { action: 'user.delete', objectType: 'user', objectId: username });
  }

  /**
   * Changes the caller's own password after checking the current one (throttled like a
   * sign-in). Ends the user's other sessions and revokes all their API tokens, the one
   * making this request included; the session making it stays signed in.
   */
  async changeOwnPassword(actor: Actor, current: string, next: string): Promise<{ ended: { sessions: number; tokens: number } }> {
    const u = await this.prisma.user.findUnique({ where: { id: actor.userId } });
    if (!u) throw new AppError('UNAUTHENTICATED', 'Your user no longer exists');
    const keys = this.throttle.keys(u.username, actor.ip);
    await this.admit(keys, u.username, actor.ip);
    if (!(await verifyPassword(current, u.passwordHash))) {
      throw new AppError('VALIDATION', 'The current password is wrong', { issues: [{ path: 'current_password', message: 'wrong password' }] });
    }
    this.throttle.forgive(keys);
    await this.prisma.user.update({ where: { id: u.id }, data: { passwordHash: await hashPassword(next) } });
    const ended = await this.endCredentials(u.id, { tokens: true, keepSessionId: actor.via === 'session' ? actor.sessionId : undefined });
    await this.audit.record(actor, { action: 'user.password', objectType: 'user', objectId: u.username, details: { ended } });
    return { ended };
  }

  // ---- API tokens ----

  /**
   * Creates a token for the caller; the secret is returned once and never again. A token
   * minted with another token is its child: it expires no later than its parent (without
   * `expires_in_days` it takes the parent's expiry) and is revoked with it.
   */
  async createToken(actor: Actor, input: { name: string; expires_in_days?: number }): Promise<PublicToken & { token: string }> {
    const token = newToken('rit');
    let expiresAt = input.expires_in_days ? new Date(Date.now() + input.expires_in_days * 86_400_000) : null;
    const parent = actor.via === 'token' && actor.tokenId ? await this.prisma.apiToken.findUnique({ where: { id: actor.tokenId } }) : null;
    if (parent?.expiresAt && (!expiresAt || expiresAt > parent.expiresAt)) expiresAt = parent.expiresAt;
    const row = await this.prisma.apiToken.create({
      data: { userId: actor.userId, name: input.name, prefix: token.slice(0, 10), tokenHash: sha256(token), expiresAt, parentId: parent?.id ?? null },
      include: { user: true },
    });
    await this.audit.record(actor, {
      action: 'api_token.create',
      objectType: 'api_token',
      objectId: row.id,
      details: { name: row.name, ...(parent ? { parent: parent.id, capped: Boolean(parent.expiresAt && row.expiresAt?.getTime() === parent.expiresAt.getTime()) } : {}) },
    });
    return { ...publicToken(row), token };
  }

  /** The caller's tokens, or everyone's for an admin who asks for all. */
  async listTokens(actor: Actor, all: boolean): Promise<PublicToken[]> {
    const rows = await this.prisma.apiToken.findMany({
      where: all && actor.role === 'admin' ? {} : { userId: actor.userId },
      include: { user: true },
      orderBy: { createdAt: 'desc' },
    });
    return rows.map(publicToken);
  }

  /** Revokes a token and every token minted from it, at any depth. */
  async revokeToken(actor: Actor, id: string): Promise<void> {
    const row = await this.prisma.apiToken.findUnique({ where: { id } });
    if (!row || (row.userId !== actor.userId && actor.role !== 'admin')) throw notFound('API token', id);
    const ids = [id];
    for (let level = [id]; level.length > 0; ) {
      level = (await this.prisma.apiToken.findMany({ where: { parentId: { in: level } }, select: { id: true } })).map((r) => r.id).filter((c) => !ids.includes(c));
      ids.push(...level);
    }
    const now = new Date();
    await this.prisma.apiToken.updateMany({ where: { id: { in: ids }, revokedAt: null }, data: { revokedAt: now } });
    this.emit({ kind: 'tokens', tokenIds: ids });
    await this.audit.record(actor, { action: 'api_token.revoke', objectType: 'api_token', objectId: id, details: { name: row.name, ...(ids.length > 1 ? { minted_revoked: ids.length - 1 } : {}) } });
  }
}

function publicToken(row: {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  parentId: string | null;
  user: { username: string };
}): PublicToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    owner: row.user.username,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    expires_at: row.expiresAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    parent_id: row.parentId,
  };
}

// scrypt of a random throwaway password, used only to spend the same time on unknown users.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$2y5mJ0tYuWPN7m6xKqG1n2l4c9q1m0kq3cX8oD1vB0Y=';
