/**
 * Roles and what each may do. Permissions are named for the kind of work, so a route
 * declares the work it does, not a list of roles.
 *
 * - read:    see everything except secrets (every role)
 * - operate: create and run endpoints, interlays, copy jobs, migrations (operator, admin)
 * - approve: acknowledge findings, approve migrations (approver, admin)
 * - admin:   users and other people's tokens (admin)
 */
export const ROLES = ['admin', 'operator', 'approver', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'read' | 'operate' | 'approve' | 'admin';

const GRANTS: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(['read', 'operate', 'approve', 'admin']),
  operator: new Set(['read', 'operate']),
  approver: new Set(['read', 'approve']),
  viewer: new Set(['read']),
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...GRANTS[role]];
}

/** Who is acting: a signed-in user, through a browser session or an API token. */
export interface Actor {
  userId: string;
  username: string;
  role: Role;
  via: 'session' | 'token' | 'system';
  /** The session (via 'session') or API token (via 'token') that authenticated the request. */
  sessionId?: string;
  tokenId?: string;
  ip?: string;
}

export const SYSTEM_ACTOR: Actor = { userId: '', username: 'system', role: 'admin', via: 'system' };
