/**
 * /endpoints/[name]: settings per role, the last (or a fresh) connectivity check per
 * role, and the command console.
 */
'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Anchor, Badge, Button, Card, EmptyState, Grid, Group, Skeleton, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconPencil, IconStethoscope, IconTrash } from '@tabler/icons-react';
import { ConfirmButton, ErrorAlert, PageHeader, notifySuccess } from '@/components/ui';
import { auditObjectHref } from '@/lib/audit/names';
import { useCan } from '@/lib/client/auth';
import { formatDateTime } from '@/lib/client/format';
import type { EndpointView, WireConn, WireCredentials } from '@/lib/client/types';
import { CheckReportView } from './CheckReportView';
import { CheckSummary } from './CheckSummary';
import { CommandConsole } from './CommandConsole';
import { deleteEndpointMessage, useCheckEndpoint, useDeleteEndpoint, useEndpoint } from './hooks';

interface RoleRow {
  role: string;
  host: string;
  port: number;
  tls: boolean;
  db: number;
  protocol: number;
  username?: string;
  password: boolean;
}

function roleRows(e: EndpointView): RoleRow[] {
  const cfg = e.config;
  const port = (p: number | undefined, tls: boolean | undefined) => p ?? (tls ? 6380 : 6379);
  if ('target' in cfg) {
    const t = cfg.target;
    const creds: [string, WireCredentials | undefined][] = [
      ['read', cfg.read_credentials],
      ['write', cfg.write_credentials],
      ['admin', cfg.admin_credentials],
    ];
    return creds
      .filter(([r, c]) => r !== 'admin' || c)
      .map(([role, c]) => ({ role, host: t.host, port: port(t.port, t.tls), tls: !!t.tls, db: t.db ?? 0, protocol: t.protocol_version ?? 2, username: c?.username, password: !!c?.has_password }));
  }
  const conns: [string, WireConn | undefined][] = [
    ['read', cfg.read_conn],
    ['write', cfg.write_conn],
    ['admin', cfg.admin_conn],
  ];
  return conns
    .filter(([, c]) => c)
    .map(([role, c]) => ({ role, host: c!.host, port: port(c!.port, c!.tls), tls: !!c!.tls, db: c!.db ?? 0, protocol: c!.protocol_version ?? 2, username: c!.username, password: !!c!.has_password }));
}

function Meta({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm">{children}</Text>
    </div>
  );
}

export function EndpointDetail({ name }: { name: string }) {
  const router = useRouter();
  const endpoint = useEndpoint(name);
  const canOperate = useCan('operate');
  const check = useCheckEndpoint();
  const del = useDeleteEndpoint();

  if (endpoint.isPending) {
    return (
      <Stack>
        <Skeleton h={36} w={280} />
        <Skeleton h={180} />
        <Skeleton h={240} />
      </Stack>
    );
  }
  if (endpoint.error || !endpoint.data) {
    return (
      <>
        <PageHeader title={name} breadcrumbs={[{ label: 'Endpoints', href: '/endpoints' }, { label: name }]} />
        <ErrorAlert error={endpoint.error} />
      </>
    );
  }
  const e = endpoint.data;
  const cfg = e.config;

  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: 'Endpoints', href: '/endpoints' }, { label: e.endpoint }]}
        title={e.endpoint}
        badges={<CheckSummary report={e.last_check} />}
        description={e.description || undefined}
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconStethoscope size={16} />}
              loading={check.isPending}
              onClick={() => check.mutate(e.endpoint)}
              data-testid="check-endpoint"
            >
              Check
            </Button>
            {canOperate && (
              <Button variant="default" leftSection={<IconPencil size={16} />} component={Link} href={`/endpoints/${e.endpoint}/edit`} data-testid="edit-endpoint">
                Edit
              </Button>
            )}
            {canOperate && (
              <ConfirmButton
                leftSection={<IconTrash size={16} />}
                title={`Delete endpoint "${e.endpoint}"?`}
                message={deleteEndpointMessage(e)}
                confirmLabel="Delete"
                onConfirm={async () => {
                  await del.mutateAsync(e.endpoint);
                  notifySuccess(`Endpoint ${e.endpoint} deleted`);
                  router.push('/endpoints');
                }}
                data-testid="delete-endpoint"
              >
                Delete
              </ConfirmButton>
            )}
          </>
        }
      />
      <Stack gap="lg">
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 8 }}>
            <Card h="100%">
              <Title order={4} mb="sm">
                Connections
              </Title>
              <Table.ScrollContainer minWidth={560}>
                <Table fz="sm" highlightOnHover={false}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Role</Table.Th>
                      <Table.Th>Address</Table.Th>
                      <Table.Th>DB</Table.Th>
                      <Table.Th>Protocol</Table.Th>
                      <Table.Th>User</Table.Th>
                      <Table.Th>Password</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {roleRows(e).map((r) => (
                      <Table.Tr key={r.role}>
                        <Table.Td tt="capitalize" fw={500}>
                          {r.role}
                        </Table.Td>
                        <Table.Td>
                          <Group gap={6} wrap="nowrap">
                            <Text ff="monospace" size="sm">
                              {r.host}:{r.port}
                            </Text>
                            {r.tls && (
                              <Badge size="xs" variant="light" color="teal">
                                TLS
                              </Badge>
                            )}
                          </Group>
                        </Table.Td>
                        <Table.Td>{r.db}</Table.Td>
                        <Table.Td>RESP{r.protocol}</Table.Td>
                        <Table.Td>{r.username ?? <Text span c="dimmed" size="sm">default</Text>}</Table.Td>
                        <Table.Td>{r.password ? 'set' : <Text span c="dimmed" size="sm">none</Text>}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 4 }}>
            <Card h="100%">
              <Title order={4} mb="sm">
                Details
              </Title>
              <Stack gap="sm">
                <Group grow>
                  <Meta label="Kind">{e.kind}</Meta>
                  <Meta label="Record revision">
                    {/* The console's optimistic-lock counter for this record, not the server's Redis version (the check shows that). */}
                    <Tooltip label="Record revision: goes up by one each time this endpoint's settings are saved. The Redis server's version is in the check report." multiline w={260} withArrow>
                      <Text span size="sm" data-testid="endpoint-revision" style={{ cursor: 'help' }}>
                        rev {e.version}
                      </Text>
                    </Tooltip>
                  </Meta>
                </Group>
                <Group grow>
                  <Meta label="Pool">{cfg.connection_pool?.multiplexed_connections ?? 1} per role</Meta>
                  <Meta label="Timeouts">
                    {cfg.connect_timeout_ms ?? 5000} / {cfg.command_timeout_ms ?? 10000} ms
                  </Meta>
                </Group>
                {cfg.tls_options && (
                  <Meta label="TLS options">
                    {[cfg.tls_options.ca ? 'custom CA' : 'system CAs', cfg.tls_options.server_name && `SNI ${cfg.tls_options.server_name}`, cfg.tls_options.skip_verify && 'verification off']
                      .filter(Boolean)
                      .join(', ')}
                  </Meta>
                )}
                <Meta label="Created">{formatDateTime(e.created_at)}</Meta>
                <Meta label="Updated">{formatDateTime(e.updated_at)}</Meta>
                <Meta label="Used by">
                  {e.used_by.length === 0
                    ? 'Nothing yet'
                    : e.used_by.map((u, i) => {
                        const href = auditObjectHref(u.type.replace(/-/g, '_'), u.id);
                        return (
                          <span key={`${u.type}:${u.id}`} data-testid="endpoint-used-by">
                            {i > 0 && ', '}
                            {u.type}{' '}
                            {href ? (
                              <Anchor component={Link} href={href} size="sm" ff="monospace">
                                {u.id}
                              </Anchor>
                            ) : (
                              u.id
                            )}
                          </span>
                        );
                      })}
                </Meta>
                <Anchor component={Link} href={`/audit?object_type=endpoint&object_id=${encodeURIComponent(e.endpoint)}`} size="sm">
                  Audit history
                </Anchor>
              </Stack>
            </Card>
          </Grid.Col>
        </Grid>

        <Card>
          <Group justify="space-between" mb="sm">
            <Title order={4}>Connectivity</Title>
            <Button size="xs" variant="light" leftSection={<IconStethoscope size={14} />} loading={check.isPending} onClick={() => check.mutate(e.endpoint)}>
              Run check
            </Button>
          </Group>
          <ErrorAlert error={check.error} mb="sm" />
          {e.last_check ? (
            <CheckReportView report={e.last_check} />
          ) : (
            <EmptyState
              size="sm"
              py="lg"
              icon={<IconStethoscope size={22} />}
              withIndicatorBackground
              title="Not checked yet"
              description="A check connects with each role's settings and reports latency, server version, key counts and modules."
            />
          )}
        </Card>

        <CommandConsole endpoint={e.endpoint} />
      </Stack>
    </>
  );
}
