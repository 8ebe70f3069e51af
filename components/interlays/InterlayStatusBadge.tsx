'use client';

import { Badge, Tooltip } from '@mantine/core';
import type { InterlayStatus } from '@/lib/interlays/schema';

const COLORS: Record<InterlayStatus, string> = {
  starting: 'blue',
  listening: 'green',
  draining: 'yellow',
  stopped: 'gray',
  failed: 'red',
};

export function InterlayStatusBadge({ status, error, needsRestart }: { status: InterlayStatus; error?: string | null; needsRestart?: boolean }) {
  const badge = (
    <Badge color={COLORS[status]} variant={status === 'listening' ? 'filled' : 'light'} data-testid="interlay-status">
      {status}
      {needsRestart ? ' · restart needed' : ''}
    </Badge>
  );
  return error ? (
    <Tooltip label={error} multiline w={320} withArrow>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}
