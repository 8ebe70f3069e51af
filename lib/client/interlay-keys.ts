/**
 * Query keys of the interlays area. Rooted at `interlays` (KIND_ROOT), so a `changed
 * {kind: 'interlay'}` event refetches lists, details, history, routing, error keys and divergences alike.
 */
import { kindKeys } from './query-keys';

const base = kindKeys('interlay');

export const interlayKeys = {
  ...base,
  /** The metrics history of one interlay; socket ticks append to it in the cache. */
  history: (id: string) => [...base.detail(id), 'history'] as const,
  /** GET /interlays/{id}/routing: stage, policy, target, mirrors and the sync state. */
  routing: (id: string) => [...base.detail(id), 'routing'] as const,
  /** GET /interlays/{id}/error-keys (the mirror's error keys, unresolved first page). */
  errorKeys: (id: string) => [...base.detail(id), 'error-keys'] as const,
  /** GET /interlays/{id}/shadow-divergences. */
  divergences: (id: string) => [...base.detail(id), 'shadow-divergences'] as const,
};
