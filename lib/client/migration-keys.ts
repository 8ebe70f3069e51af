/**
 * Query keys of the guided migration runs. Rooted at `migrations` (KIND_ROOT), so a
 * `changed {kind: 'migration'}` event refetches lists, runs, checks, metrics and history.
 */
import { kindKeys } from './query-keys';

const base = kindKeys('migration');

export const migrationKeys = {
  ...base,
  checks: (id: string) => [...base.detail(id), 'checks'] as const,
  metrics: (id: string) => [...base.detail(id), 'metrics'] as const,
  acceptance: (id: string) => [...base.detail(id), 'acceptance'] as const,
  transitions: (id: string) => [...base.detail(id), 'transitions'] as const,
  /** The run's event feed: persisted events fetched by `after=`, live ones appended from the room. */
  events: (id: string) => [...base.detail(id), 'events'] as const,
  /** Metric samples collected from polls while the page is open (client-only, for the charts). */
  samples: (id: string) => [...base.detail(id), 'samples'] as const,
};
