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

export function InterlayStatusBadge({
  status,
  error,
  needsRestart,
  backend,
}: {
  status: InterlayStatus;
  error?: string | null;
  needsRestart?: boolean;
  /** The backend's state while running: a listening interlay whose backend is down says so. */
  backend?: 'up' | 'down' | 'reconnecting' | null;
}) {
  const backendDown = status === 'listening' && backend !== undefined && backend !== null && backend !== 'up';
  const badge = (
    <Badge color={backendDown ? 'orange' : COLORS[status]} variant={status === 'listening' ? 'filled' : 'light'} data-testid="interlay-status">
      {status}
      {backendDown ? ` · backend ${backend}` : ''}
      {needsRestart ? ' · restart needed' : ''}
    </Badge>
  );
  const tip = error ?? (backendDown ? 'Clients are accepted, but their commands get "backend unavailable" errors until the backend is reachable again' : null);
  return tip ? (
    <Tooltip label={tip} multiline w={320} withArrow>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}
