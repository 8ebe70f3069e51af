/**
 * A progress bar with "done / total · rate · ETA" underneath, for bulk copies and scans.
 * Pass `rate` (units per second) from the server's throttled ticks; the ETA is
 * (total − done) / rate, and unknown when either is missing.
 */
'use client';

import { Group, Progress, Stack, Text } from '@mantine/core';
import { formatDuration, formatNumber } from '@/lib/client/format';

export interface ProgressWithEtaProps {
  done: number;
  total?: number | null;
  /** Units per second. */
  rate?: number | null;
  unit?: string;
  label?: string;
  color?: string;
  /** Striped and animated while work is running. */
  active?: boolean;
  /** The work is over: "done" instead of a rate and an ETA. */
  finished?: boolean;
  /** `total` is an estimate (shown as "≈ total"). */
  approximate?: boolean;
}

export function ProgressWithEta({ done, total, rate, unit = 'keys', label, color, active, finished, approximate }: ProgressWithEtaProps) {
  const known = typeof total === 'number' && total > 0;
  const pct = known ? Math.min(100, (done / total!) * 100) : 0;
  const eta = known && rate && rate > 0 ? Math.max(0, (total! - done) / rate) : null;
  return (
    <Stack gap={4}>
      {label && (
        <Group justify="space-between">
          <Text size="sm" fw={500}>
            {label}
          </Text>
          <Text size="sm" c="dimmed">
            {known ? `${pct.toFixed(1)}%` : ''}
          </Text>
        </Group>
      )}
      <Progress value={known ? pct : active ? 100 : 0} color={color} striped={active} animated={active} size="lg" radius="sm" aria-label={label ?? 'progress'} />
      <Group justify="space-between" gap="xs">
        <Text size="xs" c="dimmed">
          {formatNumber(done)}
          {known ? ` / ${approximate ? '≈ ' : ''}${formatNumber(total!)}` : ''} {unit}
        </Text>
        <Text size="xs" c="dimmed">
          {finished ? (
            'done'
          ) : (
            <>
              {rate && rate > 0 ? `${formatNumber(Math.round(rate))} ${unit}/s` : '—'}
              {' · ETA '}
              {eta === null ? '—' : formatDuration(eta)}
            </>
          )}
        </Text>
      </Group>
    </Stack>
  );
}
