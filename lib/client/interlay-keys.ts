/**
 * Query keys of the interlays area. Rooted at `interlays` (KIND_ROOT), so a `changed
 * {kind: 'interlay'}` event refetches lists, details and history alike.
 */
import { kindKeys } from './query-keys';

const base = kindKeys('interlay');

export const interlayKeys = {
  ...base,
  /** The metrics history of one interlay; socket ticks append to it in the cache. */
  history: (id: string) => [...base.detail(id), 'history'] as const,
};
