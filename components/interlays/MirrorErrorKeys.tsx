/**
 * The keys the interlay's mirror failed on (origin `mirror`, in the same error-key store as
 * copy errors): counts by class, the oldest unresolved ones, CSV / JSONL export, and a
 * retry that re-syncs them from the primary.
 */
'use client';

import { Badge, Button, Card, Group, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';
import { ExportLinks } from '@/components/ui/ExportLinks';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { notifySuccess } from '@/components/ui/notify';
import { keyText } from '@/components/copy-jobs/types';
import { apiUrl, seg } from '@/lib/client/api';
import { useCan } from '@/lib/client/auth';
import { formatDateTime, formatNumber } from '@/lib/client/format';
import { useMirrorErrorKeys, useRetryMirrorErrorKeys } from './hooks';

export function MirrorErrorKeys({ id }: { id: string }) {
  const canOperate = useCan('operate');
  const page = useMirrorErrorKeys(id);
  const retry = useRetryMirrorErrorKeys(id);
  const counts = Object.entries(page.data?.counts_by_class ?? {}).filter(([, n]) => n > 0);
  const total = counts.reduce((a, [, n]) => a + n, 0);
  const items = page.data?.items ?? [];
  const exportHref = (format: 'csv' | 'jsonl') => apiUrl(`/interlays/${seg(id)}/error-keys/export`, { format, resolved: false });

  const onRetry = async () => {
    const r = await retry.mutateAsync();
    notifySuccess(`Re-synced ${formatNumber(r.attempted)} keys: ${formatNumber(r.copied)} synced, ${formatNumber(r.failed)} failed again`);
  };

  return (
    <Card withBorder padding="md" data-testid="mirror-error-keys">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={5}>
            Mirror error keys{' '}
            <Text span c="dimmed" size="sm" data-testid="mirror-error-total">
              ({formatNumber(total)} unresolved)
            </Text>
          </Title>
          <Group gap="sm">
            <ExportLinks href={exportHref} />
            {canOperate && (
              <Button size="xs" variant="light" leftSection={<IconRefresh size={14} />} onClick={() => void onRetry().catch(() => undefined)} loading={retry.isPending} disabled={total === 0}>
                Re-sync all from the primary
              </Button>
            )}
          </Group>
        </Group>
        {counts.length > 0 && (
          <Group gap="xs">
            {counts.map(([c, n]) => (
              <Badge key={c} color="red" variant="light">
                {c.replace(/_/g, ' ')}: {formatNumber(n)}
              </Badge>
            ))}
          </Group>
        )}
        <ErrorAlert error={page.error ?? retry.error} />
        {items.length === 0 ? (
          <Text size="sm" c="dimmed">
            {page.isLoading ? 'Loading…' : 'None: every mirrored write was applied, or repaired.'}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={800}>
            <Table fz="sm" striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Key</Table.Th>
                  <Table.Th>db</Table.Th>
                  <Table.Th>Side</Table.Th>
                  <Table.Th>Class</Table.Th>
                  <Table.Th>Message</Table.Th>
                  <Table.Th ta="right">Attempts</Table.Th>
                  <Table.Th>Last seen</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((k) => (
                  <Table.Tr key={k.id}>
                    <Table.Td ff="monospace" style={{ wordBreak: 'break-all' }}>
                      {keyText(k.key)}
                    </Table.Td>
                    <Table.Td>{k.db}</Table.Td>
                    <Table.Td>{k.side ?? '—'}</Table.Td>
                    <Table.Td c="red">{k.error_class.replace(/_/g, ' ')}</Table.Td>
                    <Table.Td>
                      <Tooltip label={k.message} multiline w={400}>
                        <Text size="sm" lineClamp={1}>
                          {k.message}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td ta="right">{k.attempts}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(k.last_seen)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {page.data?.next_cursor && (
          <Text size="xs" c="dimmed">
            The {items.length} oldest are shown; the export has them all.
          </Text>
        )}
      </Stack>
    </Card>
  );
}
