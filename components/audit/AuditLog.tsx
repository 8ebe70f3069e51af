/**
 * /audit: who did what, newest first. Filters by object type and id (also from the URL,
 * so other pages can link to one object's history); "Load more" pages with `before`.
 */
'use client';

import { useState } from 'react';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Anchor, Badge, Button, Card, Code, EmptyState, Group, Popover, Select, Skeleton, Stack, Table, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery } from '@tanstack/react-query';
import { IconListDetails, IconSearch } from '@tabler/icons-react';
import { api } from '@/lib/client/api';
import { AUDIT_OBJECT_TYPES, auditObjectHref } from '@/lib/audit/names';
import { formatDateTime, formatRelative } from '@/lib/client/format';
import { auditKeys } from '@/lib/client/query-keys';
import type { AuditEntry } from '@/lib/client/types';
import { ErrorAlert, PageHeader } from '@/components/ui';

const PAGE = 50;
const OBJECT_TYPES = Object.entries(AUDIT_OBJECT_TYPES).map(([value, label]) => ({ value, label }));

function Details({ details }: { details: unknown }) {
  if (details === null || details === undefined || (typeof details === 'object' && Object.keys(details as object).length === 0)) {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  const text = JSON.stringify(details);
  return (
    <Popover width={420} position="bottom-end" withArrow shadow="md">
      <Popover.Target>
        <UnstyledButton>
          <Text size="xs" ff="monospace" c="dimmed" truncate maw={260}>
            {text}
          </Text>
        </UnstyledButton>
      </Popover.Target>
      <Popover.Dropdown>
        <Code block>{JSON.stringify(details, null, 2)}</Code>
      </Popover.Dropdown>
    </Popover>
  );
}

/** The object's type and whole id (ids are UUIDs: a cut one cannot be searched for), linked to its page. */
function AuditObject({ type, id }: { type: string; id: string | null }) {
  const href = auditObjectHref(type, id);
  const label = id ?? (href ? 'open' : '');
  return (
    <Group gap={6} wrap="nowrap" align="flex-start">
      <Badge size="sm" variant="light" color="gray" style={{ flexShrink: 0 }} tt="none">
        {type}
      </Badge>
      {href ? (
        <Anchor component={Link} href={href} size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }} data-testid="audit-object-link">
          {label}
        </Anchor>
      ) : (
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {label}
        </Text>
      )}
    </Group>
  );
}

export function AuditLog() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const objectType = params.get('object_type') ?? '';
  const [objectId, setObjectId] = useState(params.get('object_id') ?? '');
  const [debouncedId] = useDebouncedValue(objectId.trim(), 300);

  const setType = (v: string | null) => {
    const q = new URLSearchParams(params.toString());
    if (v) q.set('object_type', v);
    else q.delete('object_type');
    router.replace(`${pathname}?${q.toString()}`);
  };

  const filters = { object_type: objectType || undefined, object_id: debouncedId || undefined };
  const audit = useInfiniteQuery({
    queryKey: auditKeys.list(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) => (await api.get<{ entries: AuditEntry[] }>('/audit', { query: { ...filters, limit: PAGE, before: pageParam }, signal })).entries,
    getNextPageParam: (last) => (last.length < PAGE ? undefined : last[last.length - 1]?.id),
  });
  const entries = audit.data?.pages.flat() ?? [];

  return (
    <>
      <PageHeader title="Audit log" description="Every change and sign-in, with who did it and from where." />
      <Group mb="md" gap="sm" align="flex-end">
        <Select
          label="Object type"
          placeholder="All types"
          data={OBJECT_TYPES}
          value={objectType || null}
          onChange={setType}
          clearable
          w={200}
          data-testid="audit-type"
        />
        <TextInput label="Object id" placeholder="e.g. redis-source" leftSection={<IconSearch size={14} />} value={objectId} onChange={(e) => setObjectId(e.currentTarget.value)} w={260} />
      </Group>
      <ErrorAlert error={audit.error} mb="md" />
      <Card p={0}>
        {audit.isPending ? (
          <Stack p="lg">
            <Skeleton h={20} />
            <Skeleton h={20} />
            <Skeleton h={20} />
          </Stack>
        ) : entries.length === 0 ? (
          <EmptyState py={48} icon={<IconListDetails size={26} />} withIndicatorBackground title="No entries" description="Nothing matches these filters yet." />
        ) : (
          <Table.ScrollContainer minWidth={1000}>
            <Table data-testid="audit-table" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={190}>When</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Object</Table.Th>
                  <Table.Th>IP</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <Text size="sm" title={formatDateTime(e.at)}>
                        {formatRelative(e.at)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(e.at)}
                      </Text>
                    </Table.Td>
                    <Table.Td fw={500}>{e.actor}</Table.Td>
                    <Table.Td>
                      <Code>{e.action}</Code>
                    </Table.Td>
                    <Table.Td>
                      <AuditObject type={e.object_type} id={e.object_id} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed">
                        {e.ip ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Details details={e.details} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      {entries.length > 0 && (
        <Group justify="center" mt="md">
          {audit.hasNextPage ? (
            <Button variant="default" onClick={() => void audit.fetchNextPage()} loading={audit.isFetchingNextPage} data-testid="audit-more">
              Load more
            </Button>
          ) : (
            <Text size="sm" c="dimmed">
              {entries.length} entr{entries.length === 1 ? 'y' : 'ies'} — that is all
            </Text>
          )}
        </Group>
      )}
    </>
  );
}
