/**
 * How audit rows are named: `object_type` is one of the types below and `action` is
 * `<object_type>.<verb>`, both snake_case (`copy_job.create`, `compat_report.acknowledge`,
 * `api_token.revoke`, `interlay.routing`, `user.login`). One scheme, so that filtering the
 * log by type finds every row about that kind of object and the UI can link each row to its
 * object. Rows written before the scheme are renamed by the migration
 * prisma/migrations/20261201550000_audit_names.
 */

/** Every object type an audit row can be about, with how the console names it. */
export const AUDIT_OBJECT_TYPES = {
  endpoint: 'Endpoints',
  interlay: 'Interlays',
  copy_job: 'Copy jobs',
  compat_report: 'Compatibility reports',
  migration: 'Migrations',
  user: 'Users',
  api_token: 'API tokens',
} as const;

export type AuditObjectType = keyof typeof AUDIT_OBJECT_TYPES;

/** `<object_type>.<verb>`: the type checker refuses an action that names another type. */
export type AuditAction<T extends AuditObjectType = AuditObjectType> = `${T}.${string}`;

const ACTION = /^([a-z][a-z0-9_]*)\.[a-z][a-z0-9_]*$/;

/** Whether an action follows the scheme for its object type. */
export function isAuditAction(objectType: string, action: string): boolean {
  const m = ACTION.exec(action);
  return m !== null && m[1] === objectType && Object.hasOwn(AUDIT_OBJECT_TYPES, objectType);
}

/**
 * The console page of an audited object, or undefined for objects without one (a deleted
 * object's link still opens its page, which says it is gone). Users and tokens live on the
 * settings page.
 */
export function auditObjectHref(objectType: string, objectId: string | null): string | undefined {
  const id = objectId === null ? '' : encodeURIComponent(objectId);
  switch (objectType) {
    case 'endpoint':
      return id ? `/endpoints/${id}` : undefined;
    case 'interlay':
      return id ? `/interlays/${id}` : undefined;
    case 'copy_job':
      return id ? `/copy-jobs/${id}` : undefined;
    case 'compat_report':
      return id ? `/compatibility/${id}` : undefined;
    case 'migration':
      return id ? `/migrations/${id}` : undefined;
    case 'user':
      return '/settings?tab=users';
    case 'api_token':
      return '/settings?tab=tokens';
    default:
      return undefined;
  }
}
