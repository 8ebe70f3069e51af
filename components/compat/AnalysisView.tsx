/** Keyspace and workload analysis: type donut, TTL bars, command-mix bars, big keys and prefixes. */
'use client';

import { BarChart, DonutChart } from '@mantine/charts';
import { Alert, Badge, Card, ColorSwatch, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { formatDuration, formatNumber } from '@/lib/client/format';
import type { Analysis } from '@/lib/compat/analysis';

const COLORS = ['blue.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6', 'pink.6', 'lime.6', 'indigo.6', 'red.6', 'yellow.6'];

function ChartCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder p="md">
      <Text fw={500} mb="sm">
        {title}
      </Text>
      {children}
    </Card>
  );
}

export function AnalysisView({ analysis }: { analysis: Analysis | Record<string, never> }) {
  const ks = 'keyspace' in analysis ? analysis.keyspace : null;
  const wl = 'workload' in analysis ? analysis.workload : null;
  if (!ks && !wl) return <Text c="dimmed">No analysis yet.</Text>;
  return (
    <Stack data-testid="compat-analysis">
      {ks && (
        <>
          <Group gap="xl">
            <Stat label="Keys" value={formatNumber(ks.total_keys)} />
            <Stat label="Memory used" value={ks.used_memory_human ?? '—'} />
            <Stat label="Databases" value={ks.databases.filter((d) => d.keys > 0).map((d) => `db${d.db}: ${formatNumber(d.keys)}`).join(', ') || '—'} />
            <Stat label="Sample" value={formatNumber(ks.sample_size)} />
            <Stat label="Estimated copy" value={ks.estimate.seconds === null ? '—' : formatDuration(ks.estimate.seconds)} />
          </Group>
          <Text size="sm" c="dimmed">
            {ks.confidence}. Copy estimate: {ks.estimate.basis}
            {ks.estimate.keys_per_sec ? ` (${formatNumber(ks.estimate.keys_per_sec)} keys/s)` : ''}.
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <ChartCard title="Type distribution (sample)">
              {ks.types.length ? (
                <Group align="center" wrap="nowrap">
                  <DonutChart h={220} withLabelsLine withLabels withTooltip data={ks.types.map((t, i) => ({ name: t.type, value: t.count, color: COLORS[i % COLORS.length]! }))} />
                  <Stack gap={4} data-testid="compat-type-legend">
                    {ks.types.map((t, i) => (
                      <Group key={t.type} gap={6} wrap="nowrap">
                        <ColorSwatch size={10} color={`var(--mantine-color-${COLORS[i % COLORS.length]!.replace('.', '-')})`} />
                        <Text size="sm">
                          {t.type}: {formatNumber(t.count)} ({t.share_pct}%)
                        </Text>
                      </Group>
                    ))}
                  </Stack>
                </Group>
              ) : (
                <Text c="dimmed">No keys.</Text>
              )}
            </ChartCard>
            <ChartCard title="TTL distribution (sample)">
              <BarChart h={220} data={ks.ttl} dataKey="bucket" series={[{ name: 'count', label: 'keys', color: 'teal.6' }]} tickLine="none" />
            </ChartCard>
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <ChartCard title="Biggest sampled keys (MEMORY USAGE)">
              <Table fz="sm" data-testid="compat-big-keys">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Key</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th ta="right">Size</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {ks.big_keys.map((k) => (
                    <Table.Tr key={`${k.db}:${k.key}`}>
                      <Table.Td ff="monospace">
                        {k.db ? `db${k.db} ` : ''}
                        {k.key}
                      </Table.Td>
                      <Table.Td>{k.type}</Table.Td>
                      <Table.Td ta="right">{k.human}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ChartCard>
            <ChartCard title="Common key prefixes (sample)">
              <Table fz="sm" data-testid="compat-prefixes">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Prefix</Table.Th>
                    <Table.Th ta="right">Keys</Table.Th>
                    <Table.Th ta="right">Share</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {ks.prefixes.map((p) => (
                    <Table.Tr key={p.prefix}>
                      <Table.Td ff="monospace">{p.prefix}</Table.Td>
                      <Table.Td ta="right">{formatNumber(p.count)}</Table.Td>
                      <Table.Td ta="right">{p.share_pct}%</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ChartCard>
          </SimpleGrid>
        </>
      )}
      {wl && (
        <Stack>
          <Title order={4}>Workload through interlay {wl.interlay}</Title>
          {!wl.available ? (
            <Alert color="gray">{wl.note}</Alert>
          ) : (
            <>
              <Group gap="xl">
                <Stat label="Ops/s" value={formatNumber(wl.ops_per_sec ?? 0)} />
                <Stat label="Commands seen" value={formatNumber(wl.ops_total ?? 0)} />
                <Stat label="Write share" value={`${wl.read_write?.write_share_pct ?? 0}%`} />
                <Stat label="Backend p50 / p99" value={`${wl.latency_us?.backend?.p50 ?? '—'} / ${wl.latency_us?.backend?.p99 ?? '—'} µs`} />
              </Group>
              <ChartCard title="Command mix">
                <BarChart h={260} data={(wl.commands ?? []).slice(0, 20)} dataKey="name" series={[{ name: 'count', label: 'calls', color: 'blue.6' }]} tickLine="none" />
              </ChartCard>
              {wl.needs_care && wl.needs_care.length > 0 && (
                <Alert color="yellow" title="Commands that need care during the migration" data-testid="compat-needs-care">
                  <Stack gap={4}>
                    {wl.needs_care.map((g) => (
                      <Text size="sm" key={g.group}>
                        <b>{g.group}</b> ({formatNumber(g.total)}): {g.commands.map((c) => `${c.name} ×${formatNumber(c.count)}`).join(', ')} — {g.why}
                      </Text>
                    ))}
                  </Stack>
                </Alert>
              )}
            </>
          )}
        </Stack>
      )}
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Badge variant="transparent" size="lg" px={0} tt="none" c="var(--mantine-color-text)">
        {value}
      </Badge>
    </div>
  );
}
