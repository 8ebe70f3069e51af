/**
 * Query keys of the copy jobs area. Rooted at `copy-jobs` (KIND_ROOT), so a `changed
 * {kind: 'copy-job'}` event refetches lists, details, error keys and verifications alike.
 */
import { kindKeys } from './query-keys';

const base = kindKeys('copy-job');

export const copyJobKeys = {
  ...base,
  errorKeys: (id: string, filters: Record<string, unknown> = {}) => [...base.detail(id), 'error-keys', filters] as const,
  verifications: (id: string) => [...base.detail(id), 'verifications'] as const,
  transitions: (id: string) => [...base.detail(id), 'transitions'] as const,
  verification: (id: string, vid: string, filters: Record<string, unknown> = {}) => [...base.detail(id), 'verifications', vid, filters] as const,
  /** Throughput samples collected from socket ticks while the page is open (client-only). */
  throughput: (id: string) => [...base.detail(id), 'throughput'] as const,
};
