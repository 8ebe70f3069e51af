/**
 * /endpoints: every endpoint with its per-role addresses and last check, and the actions
 * the user's role allows (check for everyone; edit and delete for operators).
 */
'use client';

import Link from 'next/link';
import { ActionIcon, Anchor, Badge, Button, Card, EmptyState, Group, Skeleton, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconDatabase, IconEye, IconPencil, IconPlus, IconRefresh, IconStethoscope, IconTrash } from '@tabler/icons-react';
import { ConfirmButton, ErrorAlert, PageHeader, notifyError, notifySuccess } from '@/components/ui';
import { useCan } from '@/lib/client/auth';
import { roleAddresses } from '@/lib/client/endpoint-config';
import { CheckSummary } from './CheckSummary';
import { deleteEndpointMessage, useCheckEndpoint, useDeleteEndpoint, useEndpoints } from './hooks';

export function EndpointsList() {
  const endpoints = useEndpoints();
  const canOperate = useCan('operate');
  const check = useCheckEndpoint();
  const del = useDeleteEndpoint();

  const newButton = canOperate && (
    <Button component={Link} href="/endpoints/new" leftSection={<IconPlus size={16} />} data-testid="new-endpoint">
      New endpoint
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Endpoints"
        description="Redis-compatible databases the console connects to: sources and targets of migrations, and what interlays proxy to."
        actions={
          <>
            <Tooltip label="Refresh">
              <ActionIcon variant="default" size="lg" onClick={() => void endpoints.refetch()} loading={endpoints.isFetching} aria-label="Refresh">
                <IconRefresh size={18} />
              </ActionIcon>
            </Tooltip>
            {newButton}
          </>
        }
      />
      <ErrorAlert error={endpoints.error} mb="md" />
      <Card p={0}>
        {endpoints.isPending ? (
          <Stack p="lg" gap="sm">
            <Skeleton h={20} />
            <Skeleton h={20} />
            <Skeleton h={20} />
          </Stack>
        ) : endpoints.data?.length === 0 ? (
          <EmptyState
            py={60}
            icon={<IconDatabase size={28} />}
            withIndicatorBackground
            title="No endpoints yet"
            description={canOperate ? 'Add the Redis databases you want to migrate from and to.' : 'An operator has not added any endpoints yet.'}
          >
            {newButton && <EmptyState.Actions>{newButton}</EmptyState.Actions>}
          </EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={860}>
            <Table data-testid="endpoints-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Connections</Table.Th>
                  <Table.Th>Last check</Table.Th>
                  <Table.Th w={150} ta="right">
                    Actions
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {endpoints.data?.map((e) => (
                  <Table.Tr key={e.endpoint} data-testid={`endpoint-row-${e.endpoint}`}>
                    <Table.Td maw={320}>
                      <Anchor component={Link} href={`/endpoints/${e.endpoint}`} fw={600} size="sm">
                        {e.endpoint}
                      </Anchor>
                      {e.description && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {e.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={2}>
                        {roleAddresses(e.config).map((r) => (
                          <Group key={r.role} gap={6} wrap="nowrap">
                            <Badge size="xs" variant="outline" color="gray" w={52}>
                              {r.role}
                            </Badge>
                            <Text size="sm" ff="monospace">
                              {r.address}
                            </Text>
                            {r.tls && (
                              <Badge size="xs" variant="light" color="teal">
                                TLS
                              </Badge>
                            )}
                            {r.username && (
                              <Text size="xs" c="dimmed">
                                as {r.username}
                              </Text>
                            )}
                          </Group>
                        ))}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <CheckSummary report={e.last_check} />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Tooltip label="Check connectivity">
                          <ActionIcon
                            variant="subtle"
                            color="gray"
                            aria-label={`Check ${e.endpoint}`}
                            loading={check.isPending && check.variables === e.endpoint}
                            onClick={() =>
                              check.mutate(e.endpoint, {
                                onSuccess: (r) => (r.ok ? notifySuccess(`${e.endpoint} is reachable`) : notifyError(new Error('One or more roles are unreachable; open the endpoint for details'), `${e.endpoint} check failed`)),
                                onError: (err) => notifyError(err, 'Check failed'),
                              })
                            }
                          >
                            <IconStethoscope size={18} />
                          </ActionIcon>
                        </Tooltip>
                        <Tooltip label="Open">
                          <ActionIcon variant="subtle" color="gray" component={Link} href={`/endpoints/${e.endpoint}`} aria-label={`Open ${e.endpoint}`}>
                            <IconEye size={18} />
                          </ActionIcon>
                        </Tooltip>
                        {canOperate && (
                          <Tooltip label="Edit">
                            <ActionIcon variant="subtle" color="gray" component={Link} href={`/endpoints/${e.endpoint}/edit`} aria-label={`Edit ${e.endpoint}`}>
                              <IconPencil size={18} />
                            </ActionIcon>
                          </Tooltip>
                        )}
                        {canOperate && (
                          <ConfirmButton
                            icon={<IconTrash size={18} />}
                            label={`Delete ${e.endpoint}`}
                            title={`Delete endpoint "${e.endpoint}"?`}
                            message={deleteEndpointMessage(e)}
                            confirmLabel="Delete"
                            onConfirm={async () => {
                              await del.mutateAsync(e.endpoint);
                              notifySuccess(`Endpoint ${e.endpoint} deleted`);
                            }}
                          />
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </>
  );
}
