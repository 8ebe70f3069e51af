/**
 * One compatibility report: summary and approvable badge, findings grouped by severity
 * (evidence, remediation, acknowledgement), re-run and export, analysis charts and the
 * test run's results.
 */
'use client';

import { useState } from 'react';
import { Accordion, Alert, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { PageLoader } from '@/components/ui/PageStates';
import { IconDownload, IconRefresh } from '@tabler/icons-react';
import { useCan } from '@/lib/client/auth';
import { formatDateTime, formatDuration, formatNumber } from '@/lib/client/format';
import { ErrorAlert, PageHeader, StatusBadge, notifyError, notifySuccess } from '@/components/ui';
import type { Severity } from '@/lib/compat/types';
import type { TestRunResult } from '@/lib/compat/test-run';
import { AnalysisView } from './AnalysisView';
import { AcknowledgeModal, FindingItem } from './FindingItem';
import { exportUrl, useAcknowledge, useReport, useRerun, useRunPhase, type FindingView, type ReportView } from './hooks';

const GROUPS: { severity: Severity; title: string }[] = [
  { severity: 'blocking', title: 'Blocking' },
  { severity: 'warning', title: 'Warnings' },
  { severity: 'info', title: 'Information' },
  { severity: 'pass', title: 'Passed' },
];

export function ReportDetail({ id }: { id: string }) {
  const { data: r, error, isLoading } = useReport(id);
  const canOperate = useCan('operate');
  const rerun = useRerun(id);
  const phase = useRunPhase(id, r?.status === 'running');

  if (isLoading) {
    return (
      <PageLoader />
    );
  }
  if (!r) return <ErrorAlert error={error} />;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: 'Compatibility', href: '/compatibility' }, { label: `${r.source} → ${r.target}` }]}
        title={`${r.source} → ${r.target}`}
        badges={
          <Group gap="xs">
            <StatusBadge status={r.status} data-testid="compat-status" />
            {r.status === 'completed' && (
              <StatusBadge status={r.summary.approvable ? 'approvable' : 'not approvable'} colors={{ approvable: 'green', not_approvable: 'red' }} data-testid="compat-approvable" />
            )}
          </Group>
        }
        description={`Run ${r.run_number} · created ${formatDateTime(r.created_at)} by ${r.created_by} · policy ${r.options.conflict_policy}, fallback ${r.options.fallback}${r.mirror_targets.length ? ` · mirrors ${r.mirror_targets.join(', ')}` : ''}${r.interlay ? ` · interlay ${r.interlay}` : ''}`}
        actions={
          <Group gap="xs">
            {canOperate && (
              <Button
                leftSection={<IconRefresh size={16} />}
                variant="default"
                disabled={r.status === 'running'}
                loading={rerun.isPending}
                onClick={() => rerun.mutate(undefined, { onSuccess: () => notifySuccess('Re-running the checks'), onError: (e) => notifyError(e) })}
                data-testid="compat-rerun"
              >
                Re-run
              </Button>
            )}
            <Button component="a" href={exportUrl(id)} download leftSection={<IconDownload size={16} />} variant="default" data-testid="compat-export">
              Export JSON
            </Button>
          </Group>
        }
      />
      <ErrorAlert error={error} mb="md" />
      {r.status === 'running' && (
        <Alert color="blue" mb="md" icon={<Loader size="xs" />} data-testid="compat-running">
          Running{phase ? `: ${phase}` : ''}… findings appear when the run completes.
        </Alert>
      )}
      {r.status === 'failed' && (
        <Alert color="red" mb="md" title="The run failed">
          {r.error}
        </Alert>
      )}
      <SimpleGrid cols={{ base: 2, md: 5 }} mb="lg" data-testid="compat-summary">
        <SummaryCard label="Blocking" value={r.summary.blocking} color="red" />
        <SummaryCard label="Warnings" value={r.summary.warning} color="yellow" />
        <SummaryCard label="Unacknowledged warnings" value={r.summary.unacknowledged_warnings} color="orange" />
        <SummaryCard label="Info" value={r.summary.info} color="blue" />
        <SummaryCard label="Passed" value={r.summary.pass} color="green" />
      </SimpleGrid>
      <Tabs defaultValue="findings" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="findings">Findings</Tabs.Tab>
          <Tabs.Tab value="analysis" data-testid="compat-tab-analysis">
            Analysis
          </Tabs.Tab>
          <Tabs.Tab value="test-run" data-testid="compat-tab-test-run">
            Test run
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="findings">
          <Findings report={r} />
        </Tabs.Panel>
        <Tabs.Panel value="analysis">
          <AnalysisView analysis={r.analysis} />
        </Tabs.Panel>
        <Tabs.Panel value="test-run">{r.test_run ? <TestRunView t={r.test_run} /> : <Text c="dimmed">No test run was requested for this report.</Text>}</Tabs.Panel>
      </Tabs>
    </>
  );
}

function SummaryCard({ label, value, color }: { label: string; value: number; color: string }) {
  return (
    <Card withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Text fz={28} fw={600} c={value > 0 ? color : undefined} data-testid={`compat-count-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {value}
      </Text>
    </Card>
  );
}

function Findings({ report }: { report: ReportView }) {
  const canApprove = useCan('approve');
  const ack = useAcknowledge(report.id);
  const [acking, setAcking] = useState<FindingView | null>(null);
  return (
    <Stack>
      {GROUPS.map((g) => {
        const items = report.findings.filter((f) => f.severity === g.severity);
        if (items.length === 0) return null;
        return (
          <Stack key={g.severity} gap="xs" data-testid={`compat-group-${g.severity}`}>
            <Title order={4}>
              {g.title} ({items.length})
            </Title>
            <Accordion variant="separated" multiple defaultValue={g.severity === 'blocking' || g.severity === 'warning' ? items.map((f) => f.check) : []}>
              {items.map((f) => (
                <FindingItem
                  key={f.check}
                  f={f}
                  ackable={canApprove && (f.severity === 'warning' || f.severity === 'info') && report.status !== 'running'}
                  onAck={() => setAcking(f)}
                  blockingHint="fix and re-run"
                />
              ))}
            </Accordion>
          </Stack>
        );
      })}
      <AcknowledgeModal finding={acking} onClose={() => setAcking(null)} acknowledge={(check, notes) => ack.mutateAsync({ check, notes })} />
    </Stack>
  );
}

export function TestRunView({ t }: { t: TestRunResult }) {
  return (
    <Stack data-testid="compat-test-run">
      {t.error && <Alert color="red">{t.error}</Alert>}
      <Group gap="xl">
        <Text size="sm">Selected {formatNumber(t.selected)}{t.match ? ` (match ${t.match})` : ''}</Text>
        <Text size="sm">Skipped (already on target) {formatNumber(t.skipped_existing)}</Text>
        <Text size="sm">Copied {formatNumber(t.copied)}</Text>
        <Text size="sm">Verified {formatNumber(t.verified)}</Text>
        <Text size="sm" c={t.mismatched ? 'red' : undefined}>Mismatched {formatNumber(t.mismatched)}</Text>
        <Text size="sm">Removed {formatNumber(t.removed)}</Text>
      </Group>
      <Text size="sm">
        Throughput: {t.throughput ? `${formatNumber(t.throughput.keys_per_sec)} keys/s, ${formatNumber(t.throughput.bytes_per_sec)} bytes/s` : '—'} · projected full copy:{' '}
        {t.projected_full_copy_seconds === null ? '—' : formatDuration(t.projected_full_copy_seconds)} · copier: {t.copier}
      </Text>
      <Table fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Type</Table.Th>
            <Table.Th ta="right">Selected</Table.Th>
            <Table.Th ta="right">Copied</Table.Th>
            <Table.Th ta="right">Verified</Table.Th>
            <Table.Th ta="right">Mismatched</Table.Th>
            <Table.Th ta="right">Errors</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {t.per_type.map((p) => (
            <Table.Tr key={p.type}>
              <Table.Td>{p.type}</Table.Td>
              <Table.Td ta="right">{p.selected}</Table.Td>
              <Table.Td ta="right">{p.copied}</Table.Td>
              <Table.Td ta="right">{p.verified}</Table.Td>
              <Table.Td ta="right">{p.mismatched}</Table.Td>
              <Table.Td ta="right">{p.errors}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {(t.errors.length > 0 || t.mismatches.length > 0) && (
        <Card withBorder>
          <Text fw={500} mb="xs">
            Errors and mismatches
          </Text>
          {t.errors.map((e) => (
            <Text size="sm" ff="monospace" key={`e${e.db}:${e.key}`}>
              db{e.db} {e.key}: {e.message}
            </Text>
          ))}
          {t.mismatches.map((m) => (
            <Text size="sm" ff="monospace" key={`m${m.db}:${m.key}`}>
              db{m.db} {m.key}: {m.kind} — {m.detail}
            </Text>
          ))}
        </Card>
      )}
      <Text fw={500}>Smoke tests</Text>
      <Table fz="sm">
        <Table.Tbody>
          {t.smoke.map((s) => (
            <Table.Tr key={s.where}>
              <Table.Td>{s.where}</Table.Td>
              <Table.Td>
                <StatusBadge status={s.ok ? 'passed' : 'failed'} />
              </Table.Td>
              <Table.Td>{s.detail}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
