/**
 * Query keys of the compatibility area. Rooted at `compat-reports` (KIND_ROOT), so a
 * `changed {kind: 'compat-report'}` event refetches lists and details alike.
 */
import { kindKeys } from './query-keys';

export const compatKeys = kindKeys('compat-report');
