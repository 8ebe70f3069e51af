/**
 * The keys a job could not copy: counts by class (click to filter), a paged table with
 * selection, export links (CSV / JSONL, streamed by the server), retry (all / filtered /
 * selected) and resolve with a note.
 */
'use client';

import { useState } from 'react';
import { Badge, Button, Card, Checkbox, Group, Modal, ScrollArea, SegmentedControl, Stack, Table, Text, Textarea, TextInput, Title, Tooltip } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconRefresh } from '@tabler/icons-react';
import { ExportLinks } from '@/components/ui/ExportLinks';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { notifySuccess } from '@/components/ui/notify';
import { apiUrl } from '@/lib/client/api';
import { useCan } from '@/lib/client/auth';
import { formatDateTime, formatNumber } from '@/lib/client/format';
import { isActive, useErrorKeys, useResolveErrorKeys, useRetryErrorKeys, type ErrorKeyFilters } from './hooks';
import { keyText, type CopyJobView } from './types';

export function ErrorKeysPanel({ job }: { job: CopyJobView }) {
  const canOperate = useCan('operate');
  const [cls, setCls] = useState<string | undefined>();
  const [show, setShow] = useState<'unresolved' | 'resolved' | 'all'>('unresolved');
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 300);
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [resolveOpen, resolveModal] = useDisclosure(false);
  const [note, setNote] = useState('');

  const filters: ErrorKeyFilters = {
    class: cls,
    resolved: show === 'all' ? undefined : show === 'resolved',
    search: debounced || undefined,
    cursor: cursors[cursors.length - 1],
    limit: 50,
  };
  const page = useErrorKeys(job.id, filters);
  const retry = useRetryErrorKeys(job.id);
  const resolve = useResolveErrorKeys(job.id);
  const counts = job.error_key_counts;
  const items = page.data?.items ?? [];
  const resetPage = () => {
    setCursors([]);
    setSelected(new Set());
  };

  const exportHref = (format: 'csv' | 'jsonl') =>
    apiUrl(`/copy-jobs/${job.id}/error-keys`, { format, class: cls, resolved: show === 'all' ? undefined : show === 'resolved', search: debounced || undefined });

  const doRetry = async (scope: 'all' | 'filtered' | 'selected') => {
    const body = scope === 'selected' ? { ids: [...selected] } : scope === 'filtered' && cls ? { class: cls } : {};
    const r = await retry.mutateAsync(body);
    notifySuccess(`Retried ${formatNumber(r.attempted)} keys: ${formatNumber(r.copied)} copied, ${formatNumber(r.failed)} failed again`);
    resetPage();
  };

  const doResolve = async () => {
    const body = selected.size ? { ids: [...selected], note } : { class: cls, note };
    const r = await resolve.mutateAsync(body);
    notifySuccess(`Marked ${formatNumber(r.resolved)} keys resolved`);
    resolveModal.close();
    setNote('');
    resetPage();
  };

  return (
    <Card withBorder padding="md" data-testid="error-keys-panel">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={5}>
            Error keys{' '}
            <Text span c="dimmed" size="sm">
              ({formatNumber(counts.unresolved)} unresolved, {formatNumber(counts.resolved)} resolved)
            </Text>
          </Title>
          <ExportLinks href={exportHref} testId="export-error-keys" />
        </Group>
        <Group gap="xs">
          <Badge variant={cls === undefined ? 'filled' : 'light'} color="gray" style={{ cursor: 'pointer' }} onClick={() => (setCls(undefined), resetPage())}>
            all classes
          </Badge>
          {Object.entries(counts.by_class).map(([c, n]) => (
            <Badge
              key={c}
              variant={cls === c ? 'filled' : 'light'}
              color="red"
              style={{ cursor: 'pointer' }}
              onClick={() => (setCls(cls === c ? undefined : c), resetPage())}
              data-testid={`error-class-${c}`}
            >
              {c.replace(/_/g, ' ')}: {formatNumber(n)}
            </Badge>
          ))}
        </Group>
        <Group justify="space-between">
          <Group gap="xs">
            <SegmentedControl size="xs" data={['unresolved', 'resolved', 'all']} value={show} onChange={(v) => (setShow(v as typeof show), resetPage())} />
            <TextInput size="xs" placeholder="search keys" value={search} onChange={(e) => (setSearch(e.currentTarget.value), resetPage())} />
          </Group>
          {canOperate && isActive(job.status) && (
            <Text size="xs" c="dimmed" data-testid="error-keys-wait">
              Retry and resolve once the copy has finished (its error keys and counts still change while it runs).
            </Text>
          )}
          {canOperate && !isActive(job.status) && (
            <Group gap="xs">
              <Button size="xs" variant="light" leftSection={<IconRefresh size={14} />} onClick={() => doRetry('all')} loading={retry.isPending} disabled={!counts.unresolved} data-testid="retry-all">
                Retry all
              </Button>
              {cls && (
                <Button size="xs" variant="light" onClick={() => doRetry('filtered')} loading={retry.isPending}>
                  Retry {cls.replace(/_/g, ' ')}
                </Button>
              )}
              <Button size="xs" variant="light" onClick={() => doRetry('selected')} loading={retry.isPending} disabled={selected.size === 0}>
                Retry selected ({selected.size})
              </Button>
              <Button size="xs" variant="default" onClick={resolveModal.open} disabled={selected.size === 0 && !cls} data-testid="resolve-open">
                Resolve…
              </Button>
            </Group>
          )}
        </Group>
        <ErrorAlert error={page.error ?? retry.error} />
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="no-error-keys">
            {page.isLoading ? 'Loading…' : 'No error keys here.'}
          </Text>
        ) : (
          <ScrollArea.Autosize mah={520} type="auto">
            <Table striped stickyHeader fz="sm" miw={900} data-testid="error-keys-table">
              <Table.Thead>
                <Table.Tr>
                  {canOperate && <Table.Th w={32} />}
                  <Table.Th>Key</Table.Th>
                  <Table.Th>db</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Class</Table.Th>
                  <Table.Th>Message</Table.Th>
                  <Table.Th>Attempts</Table.Th>
                  <Table.Th>Last seen</Table.Th>
                  <Table.Th>Resolved</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((k) => (
                  <Table.Tr key={k.id}>
                    {canOperate && (
                      <Table.Td>
                        <Checkbox
                          aria-label="select"
                          disabled={k.resolved}
                          checked={selected.has(k.id)}
                          onChange={(e) => {
                            const next = new Set(selected);
                            if (e.currentTarget.checked) next.add(k.id);
                            else next.delete(k.id);
                            setSelected(next);
                          }}
                        />
                      </Table.Td>
                    )}
                    <Table.Td ff="monospace" miw={180} style={{ wordBreak: 'break-word' }}>
                      {keyText(k.key)}
                    </Table.Td>
                    <Table.Td>{k.db}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{k.target_endpoint ?? k.target}</Table.Td>
                    <Table.Td>
                      <Text size="sm" c="red" fw={500} style={{ whiteSpace: 'nowrap' }}>
                        {k.error_class.replace(/_/g, ' ')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={k.message} multiline w={400}>
                        <Text size="sm" lineClamp={1}>
                          {k.message}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>{k.attempts}</Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatDateTime(k.last_seen)}</Table.Td>
                    <Table.Td>{k.resolved ? k.resolution_note ?? 'yes' : '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        <Group justify="flex-end" gap="xs">
          <Button size="xs" variant="default" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous
          </Button>
          <Button size="xs" variant="default" disabled={!page.data?.next_cursor} onClick={() => setCursors([...cursors, page.data!.next_cursor!])}>
            Next
          </Button>
        </Group>
      </Stack>
      <Modal opened={resolveOpen} onClose={resolveModal.close} title="Mark error keys resolved">
        <Stack>
          <Text size="sm">
            {selected.size ? `${selected.size} selected keys` : `Every unresolved ${cls?.replace(/_/g, ' ')} key`} will be marked resolved with your note. Nothing is copied.
          </Text>
          <ErrorAlert error={resolve.error} />
          <Textarea label="Note" placeholder="why these keys need no copy" value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} data-testid="resolve-note" />
          <Group justify="flex-end">
            <Button variant="default" onClick={resolveModal.close}>
              Cancel
            </Button>
            <Button onClick={doResolve} disabled={!note.trim()} loading={resolve.isPending} data-testid="resolve-submit">
              Resolve
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Card>
  );
}
