/** Wire types of the copy jobs API (type-only imports: no server code reaches the browser). */
import type { CopyProgress } from '@/lib/copy/types';
import type { CopyJobView, ErrorKeyItem, MismatchItem, VerificationView } from '@/lib/copy-jobs/views';
import type { KeyJson } from '@/lib/copy-jobs/keys';

export type { CopyJobView, ErrorKeyItem, MismatchItem, VerificationView, CopyProgress, KeyJson };

export interface ErrorKeyPage {
  items: ErrorKeyItem[];
  counts_by_class: Record<string, number>;
  next_cursor: string | null;
}

export type VerificationDetail = VerificationView & { mismatches: MismatchItem[]; next_cursor: string | null };

export interface CreateCopyJobBody {
  source: string;
  targets: string[];
  match?: string[];
  types?: string[];
  databases?: Record<string, number>;
  conflict_policy: 'Replace' | 'None' | 'Merge';
  preserve_ttl: boolean;
  rate_limit?: { keys_per_sec?: number; mb_per_sec?: number };
  batch_size?: number;
  concurrency?: number;
}

/** A key as text: UTF-8 as is, binary as `base64:<...>`. */
export function keyText(k: KeyJson): string {
  return typeof k === 'string' ? k : `base64:${k.$base64}`;
}

export { ERROR_CLASSES, KNOWN_TYPES } from '@/lib/copy-jobs/schema';

/**
 * Badge colours of job states (StatusBadge's convention): a job that finished with keys
 * left uncopied is orange, never the green of `completed`.
 */
export const JOB_STATUS_COLORS: Record<CopyJobView['status'], string> = {
  running: 'green',
  paused: 'yellow',
  completed: 'green',
  completed_with_errors: 'orange',
  failed: 'red',
  cancelled: 'gray',
};

/** One row of a job's history (GET /copy-jobs/{id}/transitions). */
export type { TransitionItem } from '@/lib/copy-jobs/transitions';

export const POLICY_HELP: Record<'Replace' | 'None' | 'Merge', string> = {
  Replace: 'Overwrite keys that already exist on the target (RESTORE … REPLACE). The target ends up equal to the source.',
  None: 'Never touch a key that already exists on the target; it is recorded as a "conflict" error key for you to decide.',
  Merge: 'Combine with existing keys where the type allows it (hash fields, set members, zset members, list append); other cases are recorded as "merge_undefined".',
};
