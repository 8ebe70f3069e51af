/** The per-role result of a connectivity check: one card per role with server facts or the error. */
'use client';

import { Alert, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { StatusBadge } from '@/components/ui';
import { formatDateTime, formatDuration, formatMs, formatNumber } from '@/lib/client/format';
import type { CheckReport, ConnRole, RoleCheck } from '@/lib/client/types';

const ORDER: ConnRole[] = ['read', 'write', 'admin'];

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Group justify="space-between" gap="xs" wrap="nowrap">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="sm" ta="right" style={{ wordBreak: 'break-all' }}>
        {children}
      </Text>
    </Group>
  );
}

function RoleCard({ check }: { check: RoleCheck }) {
  return (
    <Card data-testid={`check-role-${check.role}`} padding="md">
      <Group justify="space-between" mb="sm">
        <Title order={5} tt="capitalize">
          {check.role}
        </Title>
        <StatusBadge status={check.reachable ? 'reachable' : 'unreachable'} data-testid={`check-role-${check.role}-status`} />
      </Group>
      <Stack gap={6}>
        <Fact label="Address">
          <Text span ff="monospace" size="sm">
            {check.host}:{check.port}
          </Text>
          {check.tls && (
            <Badge size="xs" ml={6} variant="light" color="teal">
              TLS
            </Badge>
          )}
        </Fact>
        <Fact label="User">{check.username ?? 'default'}</Fact>
        {check.latency_ms !== undefined && <Fact label="Latency">{formatMs(check.latency_ms)}</Fact>}
        {check.server && (
          <>
            <Fact label="Server">
              <span data-testid={`check-role-${check.role}-server`}>
                {check.server.product} {check.server.version}
              </span>
            </Fact>
            <Fact label="Mode">{check.server.mode}</Fact>
            {check.server.os && <Fact label="OS">{check.server.os}</Fact>}
            {check.server.uptime_s !== undefined && <Fact label="Uptime">{formatDuration(check.server.uptime_s)}</Fact>}
          </>
        )}
      </Stack>
      {check.error && (
        <Alert color="red" variant="light" mt="sm" icon={<IconAlertTriangle size={16} />} title={check.error.code} p="xs">
          <Text size="sm">{check.error.message}</Text>
        </Alert>
      )}
      {check.databases && (
        <>
          <Text size="xs" fw={600} c="dimmed" tt="uppercase" mt="md" mb={4}>
            Databases
          </Text>
          {check.databases.length === 0 ? (
            <Text size="sm" c="dimmed">
              No keys
            </Text>
          ) : (
            <Table withRowBorders={false} verticalSpacing={2} fz="sm" highlightOnHover={false}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>db</Table.Th>
                  <Table.Th ta="right">keys</Table.Th>
                  <Table.Th ta="right">with TTL</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {check.databases.map((d) => (
                  <Table.Tr key={d.db}>
                    <Table.Td>db{d.db}</Table.Td>
                    <Table.Td ta="right">{formatNumber(d.keys)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(d.expires)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </>
      )}
      {(check.modules !== undefined || check.modules_error) && (
        <>
          <Text size="xs" fw={600} c="dimmed" tt="uppercase" mt="md" mb={4}>
            Modules
          </Text>
          {check.modules_error ? (
            <Text size="sm" c="orange">
              {check.modules_error}
            </Text>
          ) : check.modules && check.modules.length ? (
            <Group gap={4}>
              {check.modules.map((m) => (
                <Badge key={m.name} variant="outline" color="gray" size="sm">
                  {m.name} {String(m.version)}
                </Badge>
              ))}
            </Group>
          ) : (
            <Text size="sm" c="dimmed">
              None
            </Text>
          )}
        </>
      )}
    </Card>
  );
}

export function CheckReportView({ report }: { report: CheckReport }) {
  const roles = ORDER.map((r) => report.roles[r]).filter((r): r is RoleCheck => !!r);
  return (
    <Stack gap="sm" data-testid="check-report">
      <Text size="sm" c="dimmed">
        Checked {formatDateTime(report.checked_at)} — {report.ok ? 'every role is reachable' : 'some roles are unreachable'}
      </Text>
      <SimpleGrid cols={{ base: 1, md: roles.length >= 3 ? 3 : 2 }} spacing="md">
        {roles.map((r) => (
          <RoleCard key={r.role} check={r} />
        ))}
      </SimpleGrid>
    </Stack>
  );
}
