/**
 * The copy jobs list: status, progress with ETA and rate per job, and "New copy job".
 * Running jobs' rates come from the live progress the server keeps for them.
 */
'use client';

import Link from 'next/link';
import { useDisclosure } from '@mantine/hooks';
import { Anchor, Button, Table, Text } from '@mantine/core';
import { PageLoader, ListEmpty } from '@/components/ui/PageStates';
import { IconPlus, IconCopy } from '@tabler/icons-react';
import { PageHeader } from '@/components/ui/PageHeader';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { ProgressWithEta } from '@/components/ui/ProgressWithEta';
import { StatusBadge } from '@/components/ui/StatusBadge';
import { useCan } from '@/lib/client/auth';
import { JOB_STATUS_COLORS } from './types';
import { formatNumber, formatRelative } from '@/lib/client/format';
import { NewCopyJobModal } from './NewCopyJobModal';
import { isActive, useCopyJobs } from './hooks';
import type { CopyJobView } from './types';

/** Colour of a job's progress bar: the status badge's, blue while it runs. */
function barColor(status: CopyJobView['status']): string | undefined {
  return status === 'running' ? undefined : JOB_STATUS_COLORS[status];
}

/** Progress against the keys in the job's scope (MATCH / TYPE), "≈" while only sampled. */
export function JobProgress({ job }: { job: CopyJobView }) {
  const p = job.progress;
  const finished = !isActive(job.status);
  // Old snapshots (before scope-aware estimates) counted the whole keyspace: a finished job's scope is what it scanned.
  const total = finished && job.status !== 'failed' && job.status !== 'cancelled' ? job.counts.scanned : p?.estimated_total || null;
  return (
    <ProgressWithEta
      done={job.counts.scanned}
      total={total}
      rate={job.status === 'running' ? p?.keys_per_sec : null}
      active={job.status === 'running'}
      finished={finished}
      approximate={!finished && p?.estimate === 'sampled'}
      color={barColor(job.status)}
    />
  );
}

export function JobStatusBadge({ status, testId }: { status: CopyJobView['status']; testId: string }) {
  return <StatusBadge status={status} colors={JOB_STATUS_COLORS} data-testid={testId} />;
}

export function CopyJobsPage() {
  const jobs = useCopyJobs();
  const canOperate = useCan('operate');
  const [opened, { open, close }] = useDisclosure(false);

  return (
    <>
      <PageHeader
        title="Copy jobs"
        description="Bulk copies from one endpoint to one or more, resumable across restarts, with error keys you can export, retry or resolve, and verification."
        actions={
          canOperate && (
            <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="new-copy-job">
              New copy job
            </Button>
          )
        }
      />
      <ErrorAlert error={jobs.error} />
      {jobs.isLoading ? (
        <PageLoader />
      ) : (jobs.data ?? []).length === 0 ? (
        <ListEmpty icon={<IconCopy size={26} />} title="No copy jobs yet" description={canOperate ? 'Start one with "New copy job".' : 'An operator has not started any copy job yet.'} />
      ) : (
        <Table striped highlightOnHover verticalSpacing="sm" data-testid="copy-jobs-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Job</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>From → to</Table.Th>
              <Table.Th w="32%">Progress</Table.Th>
              <Table.Th>Copied</Table.Th>
              <Table.Th>Errors</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(jobs.data ?? []).map((j) => (
              <Table.Tr key={j.id} data-testid={`copy-job-row-${j.id}`}>
                <Table.Td>
                  <Anchor component={Link} href={`/copy-jobs/${j.id}`} ff="monospace" size="sm">
                    {j.id.slice(0, 8)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <JobStatusBadge status={j.status} testId="copy-job-status" />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {j.source} → {j.targets.join(', ')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <JobProgress job={j} />
                </Table.Td>
                <Table.Td>{formatNumber(j.counts.copied)}</Table.Td>
                <Table.Td>
                  <Text size="sm" c={j.error_key_counts.unresolved ? 'red' : undefined}>
                    {formatNumber(j.error_key_counts.unresolved)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" title={j.created_at}>
                    {formatRelative(j.created_at)} by {j.created_by}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewCopyJobModal opened={opened} onClose={close} />
    </>
  );
}
