/**
 * One interlay: status, how to connect, the live migration (stage, routing, sync state),
 * and live charts. The charts start from the server's history (last ~5 minutes) and move
 * with the `interlay:metrics` socket ticks, which useLiveMetrics writes into the query
 * cache; the live path's series (mirror, syncs, shadow) start when the page opens.
 */
'use client';

import { useMemo } from 'react';
import { useRouter } from 'next/navigation';
import { AreaChart, BarChart, LineChart } from '@mantine/charts';
import { Anchor, Card, Center, Code, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { PageLoader } from '@/components/ui/PageStates';
import Link from 'next/link';
import { PageHeader } from '@/components/ui/PageHeader';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { ChartCard } from './ChartCard';
import { ConnectionString } from './ConnectionString';
import { LiveMigration } from './LiveMigration';
import { LivePathFigures } from './LivePathFigures';
import { MirrorErrorKeys } from './MirrorErrorKeys';
import { InterlayActions } from './InterlayActions';
import { InterlayStatusBadge } from './InterlayStatusBadge';
import { useInterlay, useInterlayHistory, useLiveMetrics } from './hooks';
import { formatBytes, formatClock, formatMicros, formatNumber } from '@/lib/client/format';
import { StatCard as Stat } from '@/components/ui/StatCard';

const ACTIVE = new Set(['starting', 'listening', 'draining']);

export function InterlayDetail({ id }: { id: string }) {
  const router = useRouter();
  const { data: il, error, isLoading } = useInterlay(id);
  const history = useInterlayHistory(id);
  const running = il ? ACTIVE.has(il.status) : false;
  useLiveMetrics(id, running);

  const points = useMemo(() => (history.data?.points ?? []).map((p) => ({ ...p, time: formatClock(p.at) })), [history.data]);
  const m = il?.metrics ?? null;
  const commands = useMemo(() => (m?.commands ?? []).slice(0, 15).map((c) => ({ command: c.name.toUpperCase(), count: c.count })), [m]);
  const errors = Object.entries(m?.errors ?? {}).filter(([, n]) => n > 0);

  if (isLoading) {
    return (
      <PageLoader />
    );
  }
  if (!il) return <ErrorAlert error={error} />;

  const host = il.settings.bind_address;
  const cliHost = host === '127.0.0.1' || host === 'localhost' ? '' : ` -h ${new URL(il.connection_string).hostname.replace(/^\[|\]$/g, '')}`;
  const cliHint = `redis-cli${cliHost} -p ${il.port}${il.settings.tls ? ' --tls' : ''}${il.auth_user ? ` --user ${il.auth_user} --askpass` : il.settings.auth?.has_password ? ' --askpass' : ''}`;

  return (
    <>
      <PageHeader
        title={il.id}
        breadcrumbs={[{ label: 'Interlays', href: '/interlays' }, { label: il.id }]}
        badges={<InterlayStatusBadge status={il.status} error={il.error} needsRestart={il.needs_restart} backend={il.metrics?.backend.state ?? il.backend_state} />}
        description={
          <>
            In front of{' '}
            <Anchor component={Link} href={`/endpoints/${encodeURIComponent(il.endpoint)}`} size="sm">
              {il.endpoint}
            </Anchor>{' '}
            (its primary) on port {il.port}; desired state: {il.desired_state}.
          </>
        }
        actions={<InterlayActions interlay={il} onDeleted={() => router.push('/interlays')} />}
      />
      <Stack gap="md">
        <ErrorAlert error={error} />
        {il.error && <ErrorAlert error={new Error(il.error)} title={il.status === 'failed' ? 'The interlay could not listen' : 'Last error'} />}
        <Card withBorder padding="md">
          <Group justify="space-between" align="flex-start" wrap="wrap" gap="lg">
            <Stack gap={4}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Connection string
              </Text>
              <ConnectionString value={il.connection_string} />
            </Stack>
            <Stack gap={4}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Try it
              </Text>
              <Code data-testid="cli-hint">{cliHint}</Code>
            </Stack>
            <Stack gap={4}>
              <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                Limits
              </Text>
              <Text size="sm">
                {il.settings.max_concurrent_connections} connections, idle timeout {il.settings.idle_timeout_s ? `${il.settings.idle_timeout_s} s` : 'never'}
              </Text>
            </Stack>
          </Group>
        </Card>

        <LiveMigration interlay={il} />

        {!running && (
          <Text c="dimmed" size="sm">
            Live metrics appear while the interlay runs.
          </Text>
        )}

        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
          <Stat label="Ops/s" value={m ? formatNumber(m.ops.per_sec) : '—'} testId="stat-ops-per-sec" />
          <Stat label="Ops total" value={m ? formatNumber(m.ops.total) : '—'} testId="stat-ops-total" />
          <Stat label="Connections" value={m ? `${m.connections.current} (peak ${m.connections.peak})` : '—'} testId="stat-connections" />
          <Stat label="Refused" value={m ? formatNumber(m.connections.refused) : '—'} />
          <Stat label="Bytes in / out" value={m ? `${formatBytes(m.bytes.in)} / ${formatBytes(m.bytes.out)}` : '—'} />
          <Stat label="Backend" value={m ? `${m.backend.state} (${Number(m.backend.connected)})` : '—'} />
        </SimpleGrid>

        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <ChartCard title="Operations per second">
            <AreaChart h={220} data={points} dataKey="time" series={[{ name: 'ops_per_sec', label: 'ops/s', color: 'blue.6' }]} curveType="monotone" withDots={false} tickLine="none" />
          </ChartCard>
          <ChartCard title="Client connections">
            <LineChart
              h={220}
              data={points}
              dataKey="time"
              series={[
                { name: 'connections', label: 'open', color: 'teal.6' },
                { name: 'refused', label: 'refused (total)', color: 'red.6' },
              ]}
              curveType="stepAfter"
              withDots={false}
              withLegend
              tickLine="none"
            />
          </ChartCard>
          <ChartCard title="Latency p50 / p99 (proxy vs backend)">
            <LineChart
              h={220}
              data={points}
              dataKey="time"
              series={[
                { name: 'proxy_p50_us', label: 'proxy p50', color: 'violet.6' },
                { name: 'proxy_p99_us', label: 'proxy p99', color: 'violet.3' },
                { name: 'backend_p50_us', label: 'backend p50', color: 'orange.6' },
                { name: 'backend_p99_us', label: 'backend p99', color: 'orange.3' },
              ]}
              valueFormatter={formatMicros}
              curveType="monotone"
              withDots={false}
              withLegend
              tickLine="none"
            />
          </ChartCard>
          <ChartCard title="Command mix (since start)">
            {commands.length ? (
              <BarChart h={220} data={commands} dataKey="command" series={[{ name: 'count', color: 'indigo.6' }]} orientation="vertical" yAxisProps={{ width: 110, interval: 0 }} tickLine="none" />
            ) : (
              <Center h={220}>
                <Text c="dimmed" size="sm">
                  No commands yet
                </Text>
              </Center>
            )}
          </ChartCard>
        </SimpleGrid>

        {m?.routing && (m.routing.stage !== 'source' || m.mirror.replayed_total + m.mirror.by_state_total > 0) && <LivePathFigures id={il.id} metrics={m} points={points} />}

        {(il.routing.target !== null || (m?.errors.mirror ?? 0) > 0) && <MirrorErrorKeys id={il.id} />}

        <Card withBorder padding="md">
          <Title order={5} mb="xs">
            Errors by kind
          </Title>
          {errors.length ? (
            <Table maw={420} data-testid="interlay-errors">
              <Table.Tbody>
                {errors.map(([kind, n]) => (
                  <Table.Tr key={kind}>
                    <Table.Td ff="monospace">{kind}</Table.Td>
                    <Table.Td ta="right">{formatNumber(n)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text c="dimmed" size="sm">
              None
            </Text>
          )}
        </Card>
      </Stack>
    </>
  );
}
