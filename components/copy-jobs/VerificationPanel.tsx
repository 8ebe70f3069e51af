/**
 * Verification of a copy job: run one (full or sample), see the report card with counts,
 * the mismatched keys (with export), and "Re-copy divergent keys" (repair, in the
 * background; it compares the whole scope again when the list is truncated or a sample).
 */
'use client';

import { useState } from 'react';
import { Badge, Button, Card, Group, NumberInput, ScrollArea, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { ExportLinks } from '@/components/ui/ExportLinks';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { notifySuccess } from '@/components/ui/notify';
import { apiUrl } from '@/lib/client/api';
import { useCan } from '@/lib/client/auth';
import { formatDateTime, formatNumber } from '@/lib/client/format';
import { isActive, useRepair, useVerification, useVerifications, useVerify } from './hooks';
import { keyText, type CopyJobView, type MismatchItem } from './types';

function Count({ label, value, testId, bad }: { label: string; value: number; testId?: string; bad?: boolean }) {
  return (
    <Stack gap={0}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fw={600} c={bad && value > 0 ? 'red' : undefined} data-testid={testId}>
        {formatNumber(value)}
      </Text>
    </Stack>
  );
}

/** The keys a verification found different, as stored with it (the first page). */
export function MismatchTable({ items, targets }: { items: MismatchItem[]; targets: string[] }) {
  return (
    <ScrollArea.Autosize mah={420} type="auto">
      <Table striped stickyHeader fz="sm" data-testid="mismatch-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Key</Table.Th>
            <Table.Th>db</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>Kind</Table.Th>
            <Table.Th>Detail</Table.Th>
            <Table.Th>Repaired</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((m) => (
            <Table.Tr key={m.id}>
              <Table.Td ff="monospace" miw={180} style={{ wordBreak: 'break-word' }}>
                {keyText(m.key)}
              </Table.Td>
              <Table.Td>{m.db}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{targets[m.target] ?? m.target}</Table.Td>
              <Table.Td>{m.kind.replace(/_/g, ' ')}</Table.Td>
              <Table.Td>{m.detail}</Table.Td>
              <Table.Td>{m.repaired ? 'yes' : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea.Autosize>
  );
}

export function VerificationPanel({ job }: { job: CopyJobView }) {
  const canOperate = useCan('operate');
  const [mode, setMode] = useState<'sample' | 'full'>('sample');
  const [sampleSize, setSampleSize] = useState<number | string>(1000);
  const [tolerance, setTolerance] = useState<number | string>(2000);
  const list = useVerifications(job.id);
  const [chosen, setChosen] = useState<string | null>(null);
  const vid = chosen ?? list.data?.[0]?.id;
  const v = useVerification(job.id, vid);
  const verify = useVerify(job.id);
  const repair = useRepair(job.id);

  const run = async () => {
    const r = await verify.mutateAsync({ mode, ...(mode === 'sample' ? { sample_size: Number(sampleSize) } : {}), ttl_tolerance_ms: Number(tolerance) });
    setChosen(r.id);
  };
  const doRepair = async () => {
    const r = await repair.mutateAsync(vid!);
    notifySuccess(r.truncated || r.mode === 'sample' ? 'Repair started: the listed keys first, then the whole scope is compared again' : 'Repair started');
  };
  const d = v.data;
  const exportHref = (format: 'csv' | 'jsonl') => apiUrl(`/copy-jobs/${job.id}/verifications/${vid}`, { format });

  return (
    <Card withBorder padding="md" data-testid="verification-panel">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end">
          <Title order={5}>Verification</Title>
          {canOperate && (
            <Group gap="xs" align="flex-end">
              <SegmentedControl size="xs" data={['sample', 'full']} value={mode} onChange={(x) => setMode(x as 'sample' | 'full')} data-testid="verify-mode" />
              {mode === 'sample' && <NumberInput size="xs" w={110} label="Sample keys" min={1} value={sampleSize} onChange={setSampleSize} />}
              <NumberInput size="xs" w={130} label="TTL tolerance, ms" min={0} value={tolerance} onChange={setTolerance} />
              <Button size="xs" onClick={run} loading={verify.isPending} data-testid="run-verification">
                Run verification
              </Button>
            </Group>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          Compares type, value and TTL of each checked key on the source and every target. Runs in the background; the report updates when it finishes.
        </Text>
        <ErrorAlert error={list.error ?? verify.error ?? repair.error} />
        {(list.data ?? []).length > 1 && (
          <Select
            size="xs"
            w={360}
            label="Report"
            value={vid ?? null}
            onChange={setChosen}
            data={(list.data ?? []).map((x) => ({ value: x.id, label: `${formatDateTime(x.created_at)} · ${x.mode} · ${x.status === 'completed' ? `${x.differences} differences` : x.status}` }))}
          />
        )}
        {!d ? (
          <Text size="sm" c="dimmed">
            No verification yet.
          </Text>
        ) : (
          <Card withBorder padding="sm" data-testid="verification-report">
            <Stack gap="sm">
              <Group justify="space-between">
                <Group gap="xs">
                  <StatusBadge status={d.status} data-testid="verification-status" />
                  <Text size="sm">
                    {d.mode} check by {d.created_by}, {formatDateTime(d.created_at)}
                  </Text>
                </Group>
                {d.status === 'completed' && (
                  <Badge color={d.differences === 0 ? 'green' : 'red'} variant="light" size="lg" data-testid="verification-differences">
                    {d.differences === 0 ? '0 differences' : `${formatNumber(d.differences)} differences`}
                  </Badge>
                )}
              </Group>
              {d.error && <ErrorAlert error={new Error(d.error)} />}
              <SimpleGrid cols={{ base: 2, sm: 5 }}>
                <Count label="Checked" value={d.counts.checked} testId="verification-checked" />
                <Count label="Missing" value={d.counts.missing} bad />
                <Count label="Type" value={d.counts.type_mismatch} bad />
                <Count label="Value" value={d.counts.value_mismatch} bad />
                <Count label="TTL" value={d.counts.ttl_mismatch} bad />
              </SimpleGrid>
              {d.truncated && (
                <Text size="xs" c="dimmed">
                  More keys differ than are listed; a repair compares the whole scope again and brings every one back.
                </Text>
              )}
              {d.repair.status && (
                <Group gap="xs" align="flex-start" data-testid="repair-outcome">
                  <StatusBadge status={d.repair.status} colors={{ partial: 'orange', running: 'blue' }} />
                  <Text size="sm" style={{ flex: 1 }}>
                    {d.repair.status === 'running'
                      ? `Repairing${d.repair.rescanned ? ': the listed keys are done, the whole scope is being compared again' : ' the listed keys'}…`
                      : (d.repair.message ?? `${formatNumber(d.repair.repaired)} keys re-copied${d.repair.failed ? `, ${d.repair.failed} failed` : ''}.`)}
                  </Text>
                </Group>
              )}
              {d.mismatches.length > 0 && (
                <>
                  <Group justify="space-between">
                    <ExportLinks href={exportHref} />
                    {canOperate && d.status === 'completed' && !isActive(job.status) && (
                      <Button size="xs" color="orange" onClick={doRepair} loading={repair.isPending || d.repair.status === 'running'} data-testid="repair">
                        Re-copy divergent keys
                      </Button>
                    )}
                  </Group>
                  <MismatchTable items={d.mismatches} targets={job.targets} />
                  {d.next_cursor && (
                    <Text size="xs" c="dimmed">
                      Showing the first {d.mismatches.length} keys; export for the full list.
                    </Text>
                  )}
                </>
              )}
            </Stack>
          </Card>
        )}
      </Stack>
    </Card>
  );
}
