/**
 * A job's history: every transition with who and why — people's pause / resume / cancel,
 * and the console's own notes (a shutdown or crash that interrupted the run, the restart
 * from the checkpoint, a target that lost data and was copied to again).
 */
'use client';

import { Card, Stack, Text, Title } from '@mantine/core';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { TransitionsTable } from '@/components/ui/TransitionsTable';
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
          <TransitionsTable rows={rows} />
        )}
      </Stack>
    </Card>
  );
}
