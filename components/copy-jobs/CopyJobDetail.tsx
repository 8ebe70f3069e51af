/**
 * One copy job: status and controls (pause / resume / cancel / rate limit), overall and
 * per-db progress against the keys in scope with ETA, counters, live throughput charts fed
 * by the `copy-job:progress` socket ticks, the error keys, verifications and the history.
 */
'use client';

import { useState } from 'react';
import { AreaChart } from '@mantine/charts';
import { Alert, Button, Card, Group, NumberInput, Popover, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { PageLoader } from '@/components/ui/PageStates';
import { IconPlayerPause, IconPlayerPlay, IconGauge } from '@tabler/icons-react';
import { PageHeader } from '@/components/ui/PageHeader';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { ConfirmButton } from '@/components/ui/ConfirmButton';
import { ProgressWithEta } from '@/components/ui/ProgressWithEta';
import { useCan } from '@/lib/client/auth';
import { formatBytes, formatDateTime, formatDuration, formatNumber } from '@/lib/client/format';
import { StatCard as Stat } from '@/components/ui/StatCard';
import { ErrorKeysPanel } from './ErrorKeysPanel';
import { HistoryPanel } from './HistoryPanel';
import { VerificationPanel } from './VerificationPanel';
import { isActive, toPoint, useCopyJob, useJobAction, useLiveProgress, useSetRateLimit, useThroughput } from './hooks';
import { JobProgress, JobStatusBadge } from './CopyJobsPage';
import type { CopyJobView } from './types';

function RateLimitControl({ job }: { job: CopyJobView }) {
  const set = useSetRateLimit(job.id);
  const [keys, setKeys] = useState<number | string>(job.rate_limit?.keys_per_sec ?? '');
  const [mb, setMb] = useState<number | string>(job.rate_limit?.mb_per_sec ?? '');
  const [opened, setOpened] = useState(false);
  const apply = async (clear = false) => {
    const rate = clear ? null : { ...(keys !== '' ? { keys_per_sec: Number(keys) } : {}), ...(mb !== '' ? { mb_per_sec: Number(mb) } : {}) };
    await set.mutateAsync(rate && Object.keys(rate).length ? rate : null);
    setOpened(false);
  };
  return (
    <Popover opened={opened} onChange={setOpened} width={280} position="bottom-end" withArrow>
      <Popover.Target>
        <Button variant="default" leftSection={<IconGauge size={16} />} onClick={() => setOpened((o) => !o)} data-testid="rate-limit-button">
          Rate limit
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <ErrorAlert error={set.error} />
          <NumberInput label="Keys per second" placeholder="unlimited" min={1} value={keys} onChange={setKeys} />
          <NumberInput label="MB per second" placeholder="unlimited" min={0.1} decimalScale={2} value={mb} onChange={setMb} />
          <Group justify="space-between">
            <Button variant="subtle" size="xs" onClick={() => apply(true)} loading={set.isPending}>
              Remove limit
            </Button>
            <Button size="xs" onClick={() => apply()} loading={set.isPending}>
              Apply
            </Button>
          </Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}

function JobActions({ job }: { job: CopyJobView }) {
  const action = useJobAction(job.id);
  const canOperate = useCan('operate');
  if (!canOperate) return null;
  return (
    <Group gap="xs">
      {job.status === 'running' && (
        <Button variant="default" leftSection={<IconPlayerPause size={16} />} onClick={() => action.mutate('pause')} loading={action.isPending} data-testid="pause-job">
          Pause
        </Button>
      )}
      {(job.status === 'paused' || job.status === 'failed') && (
        <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => action.mutate('resume')} loading={action.isPending} data-testid="resume-job">
          {job.status === 'failed' ? 'Resume from checkpoint' : 'Resume'}
        </Button>
      )}
      {(job.status === 'running' || job.status === 'paused') && <RateLimitControl job={job} />}
      {(job.status === 'running' || job.status === 'paused' || job.status === 'failed') && (
        <ConfirmButton
          title="Cancel this copy job?"
          message="The copy stops after the batches in flight. Keys already copied stay on the targets. A cancelled job cannot be resumed."
          confirmLabel="Cancel job"
          onConfirm={() => action.mutateAsync('cancel')}
          variant="light"
          data-testid="cancel-job"
        >
          Cancel
        </ConfirmButton>
      )}
    </Group>
  );
}

const THROUGHPUT_CHARTS = [
  { title: 'Keys per second', series: 'keys_per_sec', label: 'keys/s', color: 'blue.6' },
  { title: 'MB per second', series: 'mb_per_sec', label: 'MB/s', color: 'teal.6' },
] as const;

export function CopyJobDetail({ id }: { id: string }) {
  const { data: job, error, isLoading } = useCopyJob(id);
  const live = job ? isActive(job.status) : false;
  useLiveProgress(id, live);
  const throughput = useThroughput(id);

  if (isLoading) {
    return (
      <PageLoader />
    );
  }
  if (!job) return <ErrorAlert error={error} />;
  const p = job.progress;
  const perDb = Object.entries(p?.per_db ?? {});
  // Stored samples (the whole run, also after it ended or the console restarted) then live ticks.
  const stored = (job.progress?.throughput ?? []).map(toPoint);
  const lastStored = stored.at(-1)?.at ?? 0;
  const points = [...stored, ...(throughput.data ?? []).filter((pt) => pt.at > lastStored)];

  return (
    <>
      <PageHeader
        title={`Copy job ${job.id.slice(0, 8)}`}
        breadcrumbs={[{ label: 'Copy jobs', href: '/copy-jobs' }, { label: job.id.slice(0, 8) }]}
        badges={<JobStatusBadge status={job.status} testId="job-status" />}
        description={
          <>
            {job.source} → {job.targets.join(', ')} · policy {job.conflict_policy} · {job.preserve_ttl ? 'TTLs preserved' : 'TTLs dropped'}
            {job.match?.length ? ` · match ${job.match.join(' ')}` : ''}
            {job.types?.length ? ` · types ${job.types.join(', ')}` : ''}
            {job.rate_limit ? ` · limit ${[job.rate_limit.keys_per_sec && `${job.rate_limit.keys_per_sec} keys/s`, job.rate_limit.mb_per_sec && `${job.rate_limit.mb_per_sec} MB/s`].filter(Boolean).join(', ')}` : ''}
          </>
        }
        actions={<JobActions job={job} />}
      />
      <Stack gap="md">
        <ErrorAlert error={error} />
        {job.error && <ErrorAlert error={new Error(job.error)} title="The copy failed; resume continues from the last checkpoint" />}
        {job.status === 'completed_with_errors' && (
          <Alert color="orange" title="The copy reached the end, but not every key is on the target" data-testid="completed-with-errors">
            {formatNumber(job.error_key_counts.unresolved)} error keys are unresolved. Fix the cause (see each key&apos;s message), then retry them below, or
            resolve the ones that need no copy with a note. The job is completed once none is left.
          </Alert>
        )}
        <Card withBorder padding="md" data-testid="job-progress">
          <Stack gap="sm">
            <Title order={5}>Progress</Title>
            <JobProgress job={job} />
            {perDb.length > 1 &&
              perDb.map(([db, d]) => (
                <ProgressWithEta
                  key={db}
                  label={`db ${db} → ${d.target_db}`}
                  done={d.scanned}
                  total={d.done ? d.scanned : d.estimated_total || null}
                  rate={null}
                  active={job.status === 'running' && !d.done}
                  finished={d.done}
                  approximate={!d.done && d.estimate === 'sampled'}
                  color={d.done ? 'green' : undefined}
                />
              ))}
            <Text size="xs" c="dimmed">
              Started {formatDateTime(job.started_at)}
              {job.finished_at ? ` · finished ${formatDateTime(job.finished_at)}` : p?.eta_s != null && job.status === 'running' ? ` · about ${formatDuration(p.eta_s)} left` : ''}
            </Text>
          </Stack>
        </Card>
        <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }}>
          <Stat label="Scanned" value={formatNumber(job.counts.scanned)} testId="stat-scanned" />
          <Stat label="Copied" value={formatNumber(job.counts.copied)} testId="stat-copied" />
          <Stat label="Skipped" value={formatNumber(job.counts.skipped)} />
          <Stat label="Expired" value={formatNumber(job.counts.expired)} />
          <Stat label="Conflicts" value={formatNumber(job.counts.conflicts)} />
          <Stat label="Errors" value={formatNumber(job.counts.errors)} testId="stat-errors" />
          <Stat label="Resolved by hand" value={formatNumber(job.counts.resolved)} testId="stat-resolved" />
          <Stat label="Bytes" value={formatBytes(job.counts.bytes)} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {THROUGHPUT_CHARTS.map((c) => (
            <Card key={c.series} withBorder padding="md">
              <Text fw={600} size="sm" mb="xs">
                {c.title}
              </Text>
              {points.length < 2 ? (
                <Text size="sm" c="dimmed">
                  {live ? 'Collecting samples…' : 'The run was too short to chart.'}
                </Text>
              ) : (
                <AreaChart h={200} data={points} dataKey="time" series={[{ name: c.series, label: c.label, color: c.color }]} curveType="monotone" withDots={false} />
              )}
            </Card>
          ))}
        </SimpleGrid>
        <ErrorKeysPanel job={job} />
        <VerificationPanel job={job} />
        <HistoryPanel job={job} />
      </Stack>
    </>
  );
}
