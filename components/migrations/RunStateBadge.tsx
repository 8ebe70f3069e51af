import { StatusBadge } from '@/components/ui';
import { RUN_STATE_COLORS, type RunState } from '@/lib/client/migration-types';

/** A run's state in the colours of RUN_STATE_COLORS; paused / failed name where they stopped. */
export function RunStateBadge({ state, returnTo, testId = 'run-state' }: { state: RunState; returnTo?: RunState | null; testId?: string }) {
  const label = (state === 'paused' || state === 'failed') && returnTo ? `${state} (${returnTo.replace(/_/g, ' ')})` : undefined;
  return <StatusBadge status={state} label={label} colors={RUN_STATE_COLORS} data-testid={testId} />;
}
