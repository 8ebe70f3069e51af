/**
 * A state machine's history as a table: when, which event, from → to, who and why. Copy
 * jobs and guided migration runs both append one row per transition.
 */
import { Table } from '@mantine/core';
import { formatDateTime } from '@/lib/client/format';

export interface TransitionRow {
  id: string;
  at: string;
  event: string;
  from: string;
  to: string;
  actor: string;
  reason: string | null;
}

const words = (s: string) => s.replace(/_/g, ' ');

export function TransitionsTable({ rows, testId }: { rows: TransitionRow[]; testId?: string }) {
  return (
    <Table striped fz="sm" data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          <Table.Th>Event</Table.Th>
          <Table.Th>State</Table.Th>
          <Table.Th>By</Table.Th>
          <Table.Th>Why</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((t) => (
          <Table.Tr key={t.id}>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(t.at)}</Table.Td>
            <Table.Td>{words(t.event)}</Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>{t.from === t.to ? words(t.to) : `${words(t.from)} → ${words(t.to)}`}</Table.Td>
            <Table.Td>{t.actor}</Table.Td>
            <Table.Td>{t.reason ?? '—'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
