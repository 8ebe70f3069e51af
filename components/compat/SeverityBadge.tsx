import { Badge } from '@mantine/core';
import { StatusBadge } from '@/components/ui';
import type { Severity } from '@/lib/compat/types';

export const SEVERITY_COLORS: Record<Severity, string> = { blocking: 'red', warning: 'yellow', info: 'blue', pass: 'green' };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <StatusBadge status={severity} colors={SEVERITY_COLORS} data-testid={`severity-${severity}`} />;
}

/**
 * "3 blocking", "0 warning": a count of findings of one severity. Only a non-zero count
 * takes the severity's colour; a zero is good news and stays neutral, so a red badge
 * always means something to fix.
 */
export function FindingCountBadge({ count, severity }: { count: number; severity: Exclude<Severity, 'pass'> }) {
  return (
    <Badge color={count > 0 ? SEVERITY_COLORS[severity] : 'gray'} variant="light" data-testid={`finding-count-${severity}`} data-count={count}>
      {count} {severity}
    </Badge>
  );
}
