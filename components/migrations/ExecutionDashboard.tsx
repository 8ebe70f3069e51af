/**
 * The on-call view of a run while data moves: copy progress with ETA and keys/s, the
 * interlay's ops/s and latency per side, mirror lag and failures, divergence, the error
 * keys (the copy job's panel: export, retry, resolve) and pause / resume. Figures come from GET …/metrics, polled every
 * second while the run moves data; the charts plot the polls since the page opened.
 */
'use client';

import { AreaChart, LineChart } from '@mantine/charts';
import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay } from '@tabler/icons-react';
import { ErrorAlert, ProgressWithEta, StatCard, StatusBadge } from '@/components/ui';
import { ErrorKeysPanel } from '@/components/copy-jobs/ErrorKeysPanel';
import { useCopyJob } from '@/components/copy-jobs/hooks';
import { useCan } from '@/lib/client/auth';
import { formatMicros, formatMs, formatNumber } from '@/lib/client/format';
import { hasMovedData, type MetricsView, type RunView } from '@/lib/client/migration-types';
import { useMetrics, useMetricSamples, useRunAction, type MetricsPoint } from './hooks';
import { StartExecution } from './ReviewPanels';

const SIDE_COLORS = ['blue.6', 'orange.6', 'teal.6', 'grape.6', 'pink.6'];
/** States whose figures move: the metrics are polled. */
const LIVE = ['executing', 'synced', 'shifting', 'accepting', 'completed', 'rolling_back'];

function ChartCard({ title, children, empty }: { title: string; children: React.ReactNode; empty: boolean }) {
  return (
    <Card withBorder padding="md">
      <Text fw={600} size="sm" mb="xs">
        {title}
      </Text>
      {empty ? (
        <Text size="sm" c="dimmed">
          Collecting samples…
        </Text>
      ) : (
        children
      )}
    </Card>
  );
}

function PauseResume({ run }: { run: RunView }) {
  const action = useRunAction(run.id);
  if (!run.allowed_events.includes('pause') && !run.allowed_events.includes('resume')) return null;
  return (
    <Group gap="xs">
      {run.allowed_events.includes('pause') && (
        <Button variant="default" leftSection={<IconPlayerPause size={16} />} loading={action.isPending} onClick={() => action.mutate({ action: 'pause' })} data-testid="pause-run">
          Pause
        </Button>
      )}
      {run.allowed_events.includes('resume') && (
        <Button leftSection={<IconPlayerPlay size={16} />} loading={action.isPending} onClick={() => action.mutate({ action: 'resume' })} data-testid="resume-run">
          Resume
        </Button>
      )}
      <ErrorAlert error={action.error} />
    </Group>
  );
}

function SidesTable({ m }: { m: NonNullable<MetricsView['interlay']> }) {
  return (
    <Table fz="sm" data-testid="metrics-sides">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Side</Table.Th>
          <Table.Th>Role</Table.Th>
          <Table.Th>State</Table.Th>
          <Table.Th ta="right">Ops/s</Table.Th>
          <Table.Th ta="right">p50 / p99</Table.Th>
          <Table.Th ta="right">Failures</Table.Th>
          <Table.Th ta="right">Lag</Table.Th>
          <Table.Th ta="right">Queue</Table.Th>
          <Table.Th>In sync</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {m.sides.map((s) => (
          <Table.Tr key={s.name} data-testid={`side-${s.name}`}>
            <Table.Td ff="monospace">{s.name}</Table.Td>
            <Table.Td>{s.role}</Table.Td>
            <Table.Td>
              <StatusBadge status={s.state} colors={{ up: 'green', down: 'red', reconnecting: 'yellow' }} />
            </Table.Td>
            <Table.Td ta="right">{formatNumber(s.ops_per_sec)}</Table.Td>
            <Table.Td ta="right">
              {formatMicros(s.p50_us)} / {formatMicros(s.p99_us)}
            </Table.Td>
            <Table.Td ta="right">{formatNumber(s.failures)}</Table.Td>
            <Table.Td ta="right">{formatMs(s.lag_ms)}</Table.Td>
            <Table.Td ta="right">{formatNumber(s.queue_depth)}</Table.Td>
            <Table.Td>{s.in_sync ? <Badge color="green">yes</Badge> : <Badge color="yellow">no</Badge>}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Charts({ m, points }: { m: MetricsView; points: MetricsPoint[] }) {
  const sides = m.interlay?.sides ?? [];
  const empty = points.length < 2;
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }}>
      <ChartCard title="Interlay ops/s per side" empty={empty}>
        <AreaChart
          h={200}
          data={points}
          dataKey="time"
          series={sides.map((s, i) => ({ name: `${s.name}_ops`, label: `${s.name} (${s.role})`, color: SIDE_COLORS[i % SIDE_COLORS.length]! }))}
          curveType="monotone"
          withDots={false}
          withLegend
          tickLine="none"
        />
      </ChartCard>
      <ChartCard title="Latency p99 per side" empty={empty}>
        <LineChart
          h={200}
          data={points}
          dataKey="time"
          series={sides.map((s, i) => ({ name: `${s.name}_p99_us`, label: `${s.name} p99`, color: SIDE_COLORS[i % SIDE_COLORS.length]! }))}
          valueFormatter={formatMicros}
          curveType="monotone"
          withDots={false}
          withLegend
          tickLine="none"
        />
      </ChartCard>
      <ChartCard title="Bulk copy keys/s" empty={empty}>
        <AreaChart h={200} data={points} dataKey="time" series={[{ name: 'keys_per_sec', label: 'keys/s', color: 'blue.6' }]} curveType="monotone" withDots={false} tickLine="none" />
      </ChartCard>
      <ChartCard title="Mirror lag (ms)" empty={empty}>
        <LineChart h={200} data={points} dataKey="time" series={[{ name: 'mirror_lag_ms', label: 'lag ms', color: 'orange.6' }]} curveType="monotone" withDots={false} tickLine="none" />
      </ChartCard>
    </SimpleGrid>
  );
}

/** The copy job's error keys panel (export, retry, resolve with a note), or why there is none. */
export function RunErrorKeys({ run }: { run: RunView }) {
  if (!run.copy_job_id) {
    return (
      <Card withBorder padding="md" data-testid="error-keys-panel">
        <Title order={5}>Error keys</Title>
        <Text size="sm" c="dimmed">
          This run has no bulk copy (live mirroring only), so no error keys.
        </Text>
      </Card>
    );
  }
  return <CopyJobErrorKeys jobId={run.copy_job_id} />;
}

function CopyJobErrorKeys({ jobId }: { jobId: string }) {
  const job = useCopyJob(jobId);
  if (!job.data) return <ErrorAlert error={job.error} />;
  return <ErrorKeysPanel job={job.data} />;
}

export function ExecutionDashboard({ run }: { run: RunView }) {
  const canOperate = useCan('operate');
  const moved = hasMovedData(run.state, run.return_to);
  const metrics = useMetrics(run.id, LIVE.includes(run.state));
  const samples = useMetricSamples(run.id);
  if (run.state === 'approved') return <StartExecution run={run} />;
  if (!moved) return <Text c="dimmed">The dashboard fills once the approved run starts moving data.</Text>;
  const m = metrics.data;
  const c = m?.copy;
  return (
    <Stack gap="md" data-testid="execution-dashboard">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {run.state === 'executing' ? 'Copying and mirroring; the run moves on to traffic once the target is in sync.' : `State: ${run.state.replace(/_/g, ' ')}`}
        </Text>
        {canOperate && <PauseResume run={run} />}
      </Group>
      <ErrorAlert error={metrics.error} />
      {m && (
        <>
          <Card withBorder padding="md" data-testid="copy-progress">
            <Stack gap="xs">
              <Title order={5}>Bulk copy</Title>
              {c ? (
                <ProgressWithEta
                  done={c.keys_copied}
                  total={c.keys_total || null}
                  rate={c.keys_per_sec}
                  active={c.status === 'running'}
                  finished={c.status === 'completed'}
                  label={`Copy job ${c.job_id.slice(0, 8)} · ${c.status.replace(/_/g, ' ')}`}
                />
              ) : (
                <Text size="sm" c="dimmed">
                  No bulk copy in this run (live mirroring only).
                </Text>
              )}
            </Stack>
          </Card>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
            <StatCard label="Stage" value={m.interlay ? m.interlay.stage.replace(/_/g, ' ') : '—'} testId="metric-stage" />
            <StatCard label="Interlay ops/s" value={formatNumber(m.interlay?.ops_per_sec)} testId="metric-ops" />
            <StatCard label="Mirror lag" value={m.mirror ? formatMs(m.mirror.lag_ms) : '—'} testId="metric-mirror-lag" />
            <StatCard label="Mirror failures" value={formatNumber(m.mirror?.failures)} testId="metric-mirror-failures" />
            <StatCard label="In sync" value={m.mirror ? (m.mirror.in_sync ? 'yes' : 'no') : '—'} testId="metric-in-sync" />
            <StatCard
              label="Divergence"
              value={m.divergence ? `${formatNumber(m.divergence.shadow_divergent + m.divergence.mirror_divergences)} (${(m.divergence.rate * 100).toFixed(2)}%)` : '—'}
              testId="metric-divergence"
            />
          </SimpleGrid>
          {m.interlay && <SidesTable m={m.interlay} />}
          <Charts m={m} points={samples.data ?? []} />
        </>
      )}
      <RunErrorKeys run={run} />
    </Stack>
  );
}
