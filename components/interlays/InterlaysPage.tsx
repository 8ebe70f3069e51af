/**
 * The interlays list: status, live-migration stage, endpoint, port, connection string, and
 * live connections and ops/s, pushed over the socket (useLiveList).
 */
'use client';

import { useState } from 'react';
import Link from 'next/link';
import { Anchor, Badge, Button, Group, Table, Text, Tooltip } from '@mantine/core';
import { PageLoader, ListEmpty } from '@/components/ui/PageStates';
import { IconPlus, IconArrowsExchange } from '@tabler/icons-react';
import { useCan } from '@/lib/client/auth';
import { PageHeader } from '@/components/ui/PageHeader';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { ConnectionString } from './ConnectionString';
import { InterlayActions } from './InterlayActions';
import { InterlayFormModal } from './InterlayForm';
import { InterlayStatusBadge } from './InterlayStatusBadge';
import { useInterlays, useLiveList, type InterlayView } from './hooks';
import { formatNumber } from '@/lib/client/format';

export function InterlaysPage() {
  const { data, error, isLoading } = useInterlays();
  const canOperate = useCan('operate');
  const [creating, setCreating] = useState(false);
  useLiveList(data);

  return (
    <>
      <PageHeader
        title="Interlays"
        description="RESP proxies in front of an endpoint's primary. Point clients at an interlay to observe and, later, migrate their traffic."
        actions={
          canOperate && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="interlay-new">
              New interlay
            </Button>
          )
        }
      />
      <ErrorAlert error={error} mb="md" />
      {isLoading ? (
        <PageLoader />
      ) : data && data.length === 0 ? (
        <ListEmpty
          icon={<IconArrowsExchange size={26} />}
          title="No interlays yet"
          description={
            <>
              Create one in front of an endpoint, start it, and connect with <Text span ff="monospace">redis-cli -p &lt;port&gt;</Text>.
            </>
          }
        />
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing="sm" highlightOnHover data-testid="interlays-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Stage</Table.Th>
                <Table.Th>Endpoint</Table.Th>
                <Table.Th>Port</Table.Th>
                <Table.Th>Connection string</Table.Th>
                <Table.Th ta="right">Connections</Table.Th>
                <Table.Th ta="right">Ops/s</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data?.map((il) => (
                <Table.Tr key={il.id} data-testid={`interlay-row-${il.id}`}>
                  <Table.Td>
                    <Anchor component={Link} href={`/interlays/${encodeURIComponent(il.id)}`} fw={500}>
                      {il.id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>
                    <InterlayStatusBadge status={il.status} error={il.error} needsRestart={il.needs_restart} backend={il.metrics?.backend.state ?? il.backend_state} />
                  </Table.Td>
                  <Table.Td>
                    <StageBadge interlay={il} />
                  </Table.Td>
                  <Table.Td>
                    <Anchor component={Link} href={`/endpoints/${encodeURIComponent(il.endpoint)}`} size="sm">
                      {il.endpoint}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ff="monospace">{il.port}</Table.Td>
                  <Table.Td>
                    <ConnectionString value={il.connection_string} size="xs" />
                  </Table.Td>
                  <Table.Td ta="right" data-testid="list-connections">
                    {il.metrics ? formatNumber(il.metrics.connections.current) : '—'}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="list-ops-per-sec">
                    {il.metrics ? formatNumber(il.metrics.ops.per_sec) : '—'}
                  </Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      <InterlayActions interlay={il} compact />
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <InterlayFormModal opened={creating} onClose={() => setCreating(false)} />
    </>
  );
}

/** The live-migration stage (as stored: the service saves a move once the engine applied it), with the target. */
function StageBadge({ interlay: il }: { interlay: InterlayView }) {
  const stage = il.routing.stage;
  const badge = (
    <Badge variant="light" color={stage === 'source' ? 'gray' : 'blue'} data-testid="interlay-stage">
      {stage}
    </Badge>
  );
  return il.routing.target ? (
    <Tooltip label={`target ${il.routing.target}${il.routing.mirrors.length ? `; mirrors ${il.routing.mirrors.join(', ')}` : ''}; ${il.routing.policy}`} withArrow>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}
