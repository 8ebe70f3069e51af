/**
 * A run's persisted events as one line each, for the live feed on the run page (the same
 * rows GET …/events and the SSE stream give `curl` users).
 */
import type { MigrationEvent } from '@/lib/workflow/schema';

const words = (s: string) => s.replace(/_/g, ' ');

export function describeEvent(e: MigrationEvent): string {
  switch (e.type) {
    case 'state':
      return `${words(e.data.from)} → ${words(e.data.to)} (${words(e.data.event)})${e.data.reason ? `: ${e.data.reason}` : ''}`;
    case 'check':
      return `${words(e.data.name)}: ${e.data.ok ? 'ok' : 'not met'}${e.data.detail ? ` — ${e.data.detail}` : ''}`;
    case 'progress': {
      // Milestones may carry their number already (`copy_50`): "copy 50%", not "copy 50 50%".
      const m = words(e.data.milestone).replace(/ (\d+)$/, '');
      return `${m}${e.data.percent !== undefined ? ` ${e.data.percent}%` : ''}${e.data.detail ? ` — ${e.data.detail}` : ''}`;
    }
    case 'traffic':
      return `traffic ${words(e.data.from)} → ${words(e.data.to)}${e.data.canary_percent !== undefined ? ` (${e.data.canary_percent}% of reads)` : ''}${e.data.forced ? ' (forced)' : ''}${e.data.reason ? `: ${e.data.reason}` : ''}`;
    case 'error_keys':
      return `${e.data.new} new error keys (${e.data.unresolved} unresolved)`;
    case 'action':
      return `${words(e.data.action)}${e.data.details && Object.keys(e.data.details).length ? ` ${JSON.stringify(e.data.details)}` : ''}`;
    case 'monitor':
      return `${words(e.data.metric)} ${e.data.value} above ${e.data.threshold}: ${e.data.detail}`;
  }
}

/** Badge colour per event type in the feed. */
export const EVENT_COLORS: Record<MigrationEvent['type'], string> = {
  state: 'blue',
  check: 'teal',
  progress: 'gray',
  traffic: 'violet',
  error_keys: 'orange',
  action: 'indigo',
  monitor: 'red',
};
