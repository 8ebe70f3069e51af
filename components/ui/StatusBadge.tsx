/**
 * A colored badge for any status word (interlay, copy job, check results…). Colors
 * follow one convention across the console: green = healthy/done, blue = in progress,
 * yellow = needs attention, red = failed, gray = idle/unknown. Pass `colors` to override.
 */
import { Badge, type BadgeProps } from '@mantine/core';

const DEFAULT_COLORS: Record<string, string> = {
  ok: 'green',
  reachable: 'green',
  healthy: 'green',
  running: 'green',
  listening: 'green',
  active: 'green',
  completed: 'green',
  succeeded: 'green',
  approved: 'green',
  passed: 'green',
  pending: 'blue',
  starting: 'blue',
  checking: 'blue',
  queued: 'blue',
  copying: 'blue',
  mirroring: 'blue',
  verifying: 'blue',
  draining: 'yellow',
  paused: 'yellow',
  warning: 'yellow',
  degraded: 'yellow',
  awaiting_approval: 'yellow',
  failed: 'red',
  error: 'red',
  unreachable: 'red',
  rejected: 'red',
  revoked: 'red',
  disabled: 'red',
  expired: 'orange',
  stopped: 'gray',
  cancelled: 'gray',
  never: 'gray',
  unknown: 'gray',
};

export interface StatusBadgeProps extends Omit<BadgeProps, 'children' | 'color'> {
  status: string;
  /** Text to show instead of the status word. */
  label?: string;
  colors?: Record<string, string>;
  'data-testid'?: string;
}

export function StatusBadge({ status, label, colors, variant = 'light', ...rest }: StatusBadgeProps) {
  const key = status.toLowerCase().replace(/[\s-]+/g, '_');
  const color = colors?.[key] ?? DEFAULT_COLORS[key] ?? 'gray';
  return (
    <Badge color={color} variant={variant} radius="sm" {...rest}>
      {label ?? status.replace(/_/g, ' ')}
    </Badge>
  );
}
