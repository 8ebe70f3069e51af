import { StatusBadge } from '@/components/ui';
import type { Severity } from '@/lib/compat/types';

export const SEVERITY_COLORS: Record<Severity, string> = { blocking: 'red', warning: 'yellow', info: 'blue', pass: 'green' };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <StatusBadge status={severity} colors={SEVERITY_COLORS} data-testid={`severity-${severity}`} />;
}
