/**
 * A job's history: every transition with who and why — people's pause / resume / cancel,
 * and the console's own notes (a shutdown or crash that interrupted the run, the restart
 * from the checkpoint, a target that lost data and was copied to again).
 */
'use client';

import { Card, Stack, Table, Text, Title } from '@mantine/core';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { formatDateTime } from '@/lib/client/format';
import { useTransitions } from './hooks';
import type { CopyJobView } from './types';

export function HistoryPanel({ job }: { job: CopyJobView }) {
  const history = useTransitions(job.id);
  const rows = history.data ?? [];
  return (
    <Card withBorder padding="md" data-testid="job-history">
      <Stack gap="sm">
        <Title order={5}>History</Title>
        <ErrorAlert error={history.error} />
        {rows.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing has happened to this job since it started.
          </Text>
        ) : (
          <Table striped fz="sm">
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
                  <Table.Td>{t.event.replace(/_/g, ' ')}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{t.from === t.to ? t.to.replace(/_/g, ' ') : `${t.from.replace(/_/g, ' ')} → ${t.to.replace(/_/g, ' ')}`}</Table.Td>
                  <Table.Td>{t.actor}</Table.Td>
                  <Table.Td>{t.reason ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Card>
  );
}
