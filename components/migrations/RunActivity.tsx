/**
 * What happened to a run: the live event feed (persisted events, caught up by sequence
 * after a reconnect) and the transition history (who moved the run, from what to what, why),
 * plus the rollback window / rollback outcome panel.
 */
'use client';

import { useEffect, useState } from 'react';
import { Alert, Badge, Group, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { ErrorAlert, TransitionsTable } from '@/components/ui';
import { formatDateTime, formatDuration, formatNumber } from '@/lib/client/format';
import { describeEvent, EVENT_COLORS } from '@/lib/client/migration-events';
import type { RunView } from '@/lib/client/migration-types';
import { useEventFeed, useTransitions } from './hooks';

export function EventFeed({ runId }: { runId: string }) {
  const feed = useEventFeed(runId);
  const events = [...(feed.data ?? [])].reverse();
  return (
    <Stack gap="xs">
      <ErrorAlert error={feed.error} />
      {events.length === 0 ? (
        <Text size="sm" c="dimmed">
          No events yet.
        </Text>
      ) : (
        <ScrollArea.Autosize mah={420}>
          <Table fz="sm" verticalSpacing={4} data-testid="event-feed">
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr key={e.seq} data-testid={`event-${e.seq}`} data-type={e.type}>
                  <Table.Td w={48} c="dimmed" ff="monospace">
                    #{e.seq}
                  </Table.Td>
                  <Table.Td w={170} style={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(e.at)}
                  </Table.Td>
                  <Table.Td w={110}>
                    <Badge size="sm" variant="light" color={EVENT_COLORS[e.type]}>
                      {e.type.replace(/_/g, ' ')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{describeEvent(e)}</Table.Td>
                  <Table.Td w={120} c="dimmed">
                    {e.actor}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      )}
    </Stack>
  );
}

export function RunHistory({ runId }: { runId: string }) {
  const history = useTransitions(runId);
  const rows = history.data ?? [];
  return (
    <Stack gap="xs">
      <ErrorAlert error={history.error} />
      <TransitionsTable rows={rows} testId="run-history" />
    </Stack>
  );
}

/** Seconds until `iso`, ticking once a second. */
function useCountdown(iso: string | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!iso) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [iso]);
  return iso ? Math.max(0, (new Date(iso).getTime() - now) / 1000) : null;
}

/** A closed run whose rollback window was ended early (POST /close) rather than by time (a closed run is never updated again). */
function closedEarly(run: RunView): boolean {
  return run.rollback_window_ends_at !== null && new Date(run.updated_at).getTime() < new Date(run.rollback_window_ends_at).getTime();
}

export function WindowPanel({ run }: { run: RunView }) {
  const left = useCountdown(run.state === 'completed' ? run.rollback_window_ends_at : null);
  const r = run.rollback;
  return (
    <Stack gap="md" data-testid="window-panel">
      {run.state === 'completed' && (
        <Alert color="green" title="Completed: the target serves the clients" data-testid="window-open">
          The source is kept in sync until {formatDateTime(run.rollback_window_ends_at)}
          {left !== null ? ` (${formatDuration(left)} left)` : ''}; a rollback is possible until then. After that the run closes and the source can be retired.
        </Alert>
      )}
      {run.state === 'closed' && !r && (
        <Alert color="gray" title="Closed" data-testid="window-closed">
          {closedEarly(run)
            ? `Closed by an operator on ${formatDateTime(run.updated_at)}, before the rollback window's planned end (${formatDateTime(run.rollback_window_ends_at)}); the history says why. The source can be retired.`
            : `The rollback window has ended${run.rollback_window_ends_at ? ` (${formatDateTime(run.rollback_window_ends_at)})` : ''}; the source can be retired.`}
        </Alert>
      )}
      {r && (
        <Alert color={r.ok === false ? 'red' : r.finished_at ? 'orange' : 'blue'} title={r.finished_at ? 'Rolled back' : 'Rolling back'} data-testid="rollback-outcome">
          <Stack gap={4}>
            <Text size="sm">
              {r.automatic ? 'Automatic rollback' : `Rolled back by ${r.by}`} on {formatDateTime(r.started_at)}: “{r.reason}”.
            </Text>
            <Group gap="xs">
              <Text size="sm">Stages:</Text>
              {r.stages.map((s, i) => (
                <Badge key={`${s}-${i}`} variant="light" color="gray">
                  {s.replace(/_/g, ' ')}
                </Badge>
              ))}
            </Group>
            {r.verification && (
              <Text size="sm" data-testid="rollback-verification">
                Verification: {formatNumber(r.verification.checked)} keys checked, {formatNumber(r.verification.differences)} differences, {formatNumber(r.verification.missing)} missing on the source.
              </Text>
            )}
            {r.finished_at && (
              <Text size="sm" fw={500} data-testid="rollback-result">
                {r.ok ? 'Outcome: the source has everything; clients are served by the source.' : 'Outcome: the verification found differences; see the history and error keys.'}
              </Text>
            )}
          </Stack>
        </Alert>
      )}
      {!['completed', 'closed'].includes(run.state) && !r && <Text c="dimmed">The rollback window opens when the run completes.</Text>}
    </Stack>
  );
}
