/**
 * The live path's figures on the interlay page: each backend's health (source, target,
 * mirror targets), the mirror links (ops/s, latency, queue depth, lag, failures), keys
 * awaiting a state sync, the mirror charts over time, and the shadow reads (divergence rate
 * and the most recent divergent replies).
 */
'use client';

import { LineChart } from '@mantine/charts';
import { Badge, Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { formatClock, formatMicros, formatMs, formatNumber } from '@/lib/client/format';
import { StatCard as Stat } from '@/components/ui/StatCard';
import { ChartCard } from './ChartCard';
import { useShadowDivergences, type InterlayMetrics, type LivePoint } from './hooks';

const STATE_COLOR = { up: 'green', down: 'red', reconnecting: 'yellow' } as const;

type Link = InterlayMetrics['mirror']['links'][number];

function linkHealth(l: Link | undefined): { label: string; color: string } {
  if (!l) return { label: '—', color: 'gray' };
  if (l.lost_data) return { label: 'restarted, may have lost data', color: 'red' };
  if (!l.in_sync) return { label: 'out of sync', color: 'orange' };
  return { label: 'in sync', color: 'green' };
}

export function LivePathFigures({ id, metrics: m, points }: { id: string; metrics: InterlayMetrics; points: (LivePoint & { time: string })[] }) {
  const links = new Map(m.mirror.links.map((l) => [l.name, l]));
  const stage = m.routing.stage;
  const shadowing = stage === 'shadow' || stage === 'canary';
  const divergences = useShadowDivergences(id, m.shadow.divergent, shadowing || m.shadow.divergent > 0);
  const chart = { h: 200, data: points, dataKey: 'time', withDots: false, withLegend: true, tickLine: 'none' as const, connectNulls: false };

  return (
    <Stack gap="md" data-testid="live-path">
      <Card withBorder padding="md">
        <Title order={5} mb="xs">
          Backends
        </Title>
        <Table data-testid="backends-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Backend</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th ta="right">Connections</Table.Th>
              <Table.Th>Mirror link</Table.Th>
              <Table.Th ta="right">Failures</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {m.upstreams.map((u) => {
              const l = links.get(u.name);
              const h = linkHealth(l);
              return (
                <Table.Tr key={u.name} data-testid={`backend-${u.name}`}>
                  <Table.Td ff="monospace">{u.name}</Table.Td>
                  <Table.Td>{u.role}</Table.Td>
                  <Table.Td>
                    <Badge color={STATE_COLOR[u.state]} variant="light" data-testid="backend-state">
                      {u.state}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{formatNumber(u.connected)}</Table.Td>
                  <Table.Td>
                    <Badge color={h.color} variant="dot">
                      {h.label}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{l ? formatNumber(l.failures) : '—'}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Card>

      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
        <Stat label="Writes replayed" value={formatNumber(m.mirror.replayed_total)} testId="stat-mirror-replayed" />
        <Stat label="Synced by state" value={formatNumber(m.mirror.by_state_total)} testId="stat-mirror-by-state" />
        <Stat label="Keys awaiting sync" value={formatNumber(m.mirror.syncs.pending + m.mirror.syncs.running)} testId="stat-pending-syncs" />
        <Stat label="Syncs done / failed" value={`${formatNumber(m.mirror.syncs.completed)} / ${formatNumber(m.mirror.syncs.failed)}`} />
        <Stat label="Conflicts / copy overlaps" value={`${formatNumber(m.mirror.syncs.conflicts)} / ${formatNumber(m.mirror.syncs.copy_overlaps)}`} />
        <Stat label="Shadow divergence" value={`${(m.shadow.divergence_rate * 100).toFixed(2)}% of ${formatNumber(m.shadow.compared)}`} testId="stat-shadow-divergence" />
      </SimpleGrid>

      {m.mirror.links.length > 0 && (
        <Card withBorder padding="md">
          <Title order={5} mb="xs">
            Mirror links
          </Title>
          <Table data-testid="mirror-links">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>To</Table.Th>
                <Table.Th ta="right">Ops/s</Table.Th>
                <Table.Th ta="right">Ops total</Table.Th>
                <Table.Th ta="right">Latency p50 / p99</Table.Th>
                <Table.Th ta="right">Queue depth</Table.Th>
                <Table.Th ta="right">Lag</Table.Th>
                <Table.Th ta="right">Failures</Table.Th>
                <Table.Th ta="right">Divergences</Table.Th>
                <Table.Th ta="right">Overflows</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {m.mirror.links.map((l) => (
                <Table.Tr key={l.name} data-testid={`mirror-link-${l.name}`}>
                  <Table.Td ff="monospace">{l.name}</Table.Td>
                  <Table.Td ta="right" data-testid="link-ops-per-sec">
                    {formatNumber(l.ops_per_sec)}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="link-ops-total">
                    {formatNumber(l.ops_total)}
                  </Table.Td>
                  <Table.Td ta="right">
                    {formatMicros(l.latency_us.p50)} / {formatMicros(l.latency_us.p99)}
                  </Table.Td>
                  <Table.Td ta="right">{formatNumber(l.queue_depth)}</Table.Td>
                  <Table.Td ta="right">{formatMs(l.lag_ms)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(l.failures)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(l.divergences)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(l.overflows)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}

      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        <ChartCard title="Mirrored writes per second (all links)" testId="chart-mirror-ops">
          <LineChart {...chart} series={[{ name: 'mirror_ops_per_sec', label: 'ops/s', color: 'cyan.6' }]} curveType="monotone" />
        </ChartCard>
        <ChartCard title="Mirror latency p50 / p99 (slowest link)">
          <LineChart
            {...chart}
            series={[
              { name: 'mirror_p50_us', label: 'p50', color: 'grape.6' },
              { name: 'mirror_p99_us', label: 'p99', color: 'grape.3' },
            ]}
            valueFormatter={formatMicros}
            curveType="monotone"
          />
        </ChartCard>
        <ChartCard title="Mirror lag (oldest unapplied write) and queue depth" testId="chart-mirror-lag">
          <LineChart
            {...chart}
            series={[
              { name: 'lag_ms', label: 'lag ms', color: 'orange.6' },
              { name: 'queue_depth', label: 'writes queued', color: 'blue.6' },
            ]}
            curveType="monotone"
          />
        </ChartCard>
        <ChartCard title="Mirror failures (total) and keys awaiting a state sync">
          <LineChart
            {...chart}
            series={[
              { name: 'mirror_failures', label: 'failures', color: 'red.6' },
              { name: 'pending_syncs', label: 'keys awaiting sync', color: 'yellow.6' },
            ]}
            curveType="stepAfter"
          />
        </ChartCard>
        {shadowing && (
          <ChartCard title="Shadow divergence rate (%)">
            <LineChart {...chart} series={[{ name: 'shadow_divergence_pct', label: '% divergent', color: 'pink.6' }]} curveType="monotone" />
          </ChartCard>
        )}
      </SimpleGrid>

      {(shadowing || (divergences.data?.length ?? 0) > 0) && (
        <Card withBorder padding="md">
          <Title order={5} mb="xs">
            Recent shadow divergences
          </Title>
          {divergences.data?.length ? (
            <Table.ScrollContainer minWidth={700}>
              <Table data-testid="shadow-divergences" verticalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>At</Table.Th>
                    <Table.Th>Command</Table.Th>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Served reply</Table.Th>
                    <Table.Th>Target reply</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {divergences.data.map((d, i) => (
                    <Table.Tr key={`${d.at}-${i}`}>
                      <Table.Td>{formatClock(d.at)}</Table.Td>
                      <Table.Td ff="monospace">{d.command.toUpperCase()}</Table.Td>
                      <Table.Td ff="monospace">
                        {d.key ?? '—'}
                        {d.db !== 0 && ` (db ${d.db})`}
                      </Table.Td>
                      <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
                        {d.primary}
                      </Table.Td>
                      <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
                        {d.target}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          ) : (
            <Text c="dimmed" size="sm">
              None: every compared read matched ({formatNumber(m.shadow.compared)} of {formatNumber(m.shadow.sampled)} sampled).
            </Text>
          )}
        </Card>
      )}
    </Stack>
  );
}
