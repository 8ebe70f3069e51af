/**
 * Query key factories. Keys are never written inline: every feature builds its keys with
 * `createQueryKeys(kind)`, whose root is the one the socket invalidation uses for that
 * resource kind, so a `changed {kind, id}` event refetches every query of the kind.
 *
 *   // components/interlays/keys.ts (another team's file)
 *   export const interlayKeys = {
 *     ...createQueryKeys('interlay'),
 *     metrics: (id: string) => [...createQueryKeys('interlay').detail(id), 'metrics'] as const,
 *   };
 *
 * Shape of every factory: `all` ⊃ `lists()` ⊃ `list(filters)`, and `all` ⊃ `details()` ⊃
 * `detail(id)`, so invalidating a prefix covers everything below it.
 */
import type { ResourceKind } from '@/lib/events';

/** The root key segment of each resource kind that `changed` events name. */
export const KIND_ROOT: Record<ResourceKind, string> = {
  endpoint: 'endpoints',
  interlay: 'interlays',
  'copy-job': 'copy-jobs',
  'compat-report': 'compat-reports',
  user: 'users',
  token: 'tokens',
  migration: 'migrations',
};

export function createQueryKeys<R extends string>(root: R) {
  const all = [root] as const;
  return {
    all,
    lists: () => [...all, 'list'] as const,
    list: (filters: Record<string, unknown> = {}) => [...all, 'list', filters] as const,
    details: () => [...all, 'detail'] as const,
    detail: (id: string) => [...all, 'detail', id] as const,
  };
}

/** Keys of one resource kind, rooted where the socket invalidation looks for them. */
export function kindKeys<K extends ResourceKind>(kind: K) {
  return createQueryKeys(KIND_ROOT[kind]);
}

export const authKeys = {
  all: ['auth'] as const,
  me: () => ['auth', 'me'] as const,
};

export const endpointKeys = {
  ...kindKeys('endpoint'),
  /** The last check report is part of the detail; a manual check result is kept apart. */
  check: (name: string) => ['endpoints', 'detail', name, 'check'] as const,
};

export const userKeys = kindKeys('user');

export const tokenKeys = {
  ...kindKeys('token'),
  /** `all` = an admin listing everyone's tokens. */
  list: (scope: 'mine' | 'all') => ['tokens', 'list', { scope }] as const,
};

/** The audit log changes whenever anything else does; the socket hook invalidates it on every event. */
export const auditKeys = {
  ...createQueryKeys('audit'),
  list: (filters: { object_type?: string; object_id?: string } = {}) => ['audit', 'list', filters] as const,
};
