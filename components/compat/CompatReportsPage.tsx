/** The compatibility reports list, with a "New report" form for operators. */
'use client';

import { useState } from 'react';
import Link from 'next/link';
import { Anchor, Button, Group, Table, Text } from '@mantine/core';
import { PageLoader, ListEmpty } from '@/components/ui/PageStates';
import { IconPlus, IconClipboardCheck } from '@tabler/icons-react';
import { useCan } from '@/lib/client/auth';
import { formatDateTime } from '@/lib/client/format';
import { ErrorAlert, PageHeader, StatusBadge } from '@/components/ui';
import { NewReportModal } from './NewReportForm';
import { FindingCountBadge } from './SeverityBadge';
import { useReports } from './hooks';

export function CompatReportsPage() {
  const { data, error, isLoading } = useReports();
  const canOperate = useCan('operate');
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader
        title="Compatibility"
        description="Checks, keyspace and workload analysis and test runs an approver signs before a migration."
        actions={
          canOperate && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="compat-new">
              New report
            </Button>
          )
        }
      />
      <ErrorAlert error={error} mb="md" />
      {isLoading ? (
        <PageLoader />
      ) : !data || data.length === 0 ? (
        <ListEmpty icon={<IconClipboardCheck size={26} />} title="No reports yet" description="Pick a source and a target endpoint to check what a migration between them needs." />
      ) : (
        <Table.ScrollContainer minWidth={800}>
          <Table verticalSpacing="sm" highlightOnHover data-testid="compat-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Source → target</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Findings</Table.Th>
                <Table.Th>Approvable</Table.Th>
                <Table.Th>Created</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>
                    <Anchor component={Link} href={`/compatibility/${r.id}`} fw={500}>
                      {r.source} → {r.target}
                    </Anchor>
                    {r.mirror_targets.length > 0 && (
                      <Text size="xs" c="dimmed">
                        mirrors: {r.mirror_targets.join(', ')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <StatusBadge status={r.status} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <FindingCountBadge count={r.summary.blocking} severity="blocking" />
                      <FindingCountBadge count={r.summary.warning} severity="warning" />
                      <FindingCountBadge count={r.summary.info} severity="info" />
                    </Group>
                  </Table.Td>
                  <Table.Td>{r.status === 'completed' ? <StatusBadge status={r.summary.approvable ? 'approvable' : 'not approvable'} colors={{ approvable: 'green', not_approvable: 'red' }} /> : '—'}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{formatDateTime(r.created_at)}</Text>
                    <Text size="xs" c="dimmed">
                      by {r.created_by}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <NewReportModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}
