/** One-line status of an endpoint's last check: reachable / unreachable / never checked, product and version. */
'use client';

import { Group, Text, Tooltip } from '@mantine/core';
import { StatusBadge } from '@/components/ui';
import { formatDateTime, formatRelative } from '@/lib/client/format';
import type { CheckReport } from '@/lib/client/types';

export function checkStatus(report: CheckReport | null | undefined): 'reachable' | 'unreachable' | 'never' {
  if (!report) return 'never';
  return report.ok ? 'reachable' : 'unreachable';
}

/** "redis 7.2.4" from the first role that reported a server. */
export function productOf(report: CheckReport | null | undefined): string | undefined {
  const role = Object.values(report?.roles ?? {}).find((r) => r?.server);
  return role?.server ? `${role.server.product} ${role.server.version}` : undefined;
}

export function CheckSummary({ report }: { report: CheckReport | null | undefined }) {
  const status = checkStatus(report);
  const product = productOf(report);
  const failed = Object.values(report?.roles ?? {}).filter((r) => r && !r.reachable);
  return (
    <Group gap={8} wrap="nowrap">
      <Tooltip
        label={failed.length ? failed.map((r) => `${r!.role}: ${r!.error?.message ?? 'unreachable'}`).join('\n') : report ? `Checked ${formatDateTime(report.checked_at)}` : 'Run a check to test connectivity'}
        multiline
        maw={360}
        withArrow
      >
        <span>
          <StatusBadge status={status} label={status === 'never' ? 'never checked' : status} data-testid="check-status" />
        </span>
      </Tooltip>
      {product && (
        <Text size="sm" c="dimmed" data-testid="check-product">
          {product}
        </Text>
      )}
      {report && (
        <Text size="xs" c="dimmed">
          {formatRelative(report.checked_at)}
        </Text>
      )}
    </Group>
  );
}
