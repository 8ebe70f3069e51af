/**
 * The guided migration runs: state, strategy, source → target and last change per run, and
 * "New migration", which creates a draft and opens it at its setup step.
 */
'use client';

import { useState } from 'react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Anchor, Button, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconArrowsExchange, IconPlus } from '@tabler/icons-react';
import { ErrorAlert, ListEmpty, PageHeader, PageLoader } from '@/components/ui';
import { useCan } from '@/lib/client/auth';
import { formatRelative } from '@/lib/client/format';
import { useCreateRun, useRuns } from './hooks';
import { RunStateBadge } from './RunStateBadge';

function NewRunModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const router = useRouter();
  const create = useCreateRun();
  const [name, setName] = useState('');
  const submit = () =>
    create.mutate(
      { name: name.trim() },
      {
        onSuccess: (run) => {
          onClose();
          router.push(`/migrations/${run.id}`);
        },
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title="New migration">
      <Stack>
        <TextInput
          label="Name"
          description="How people refer to this run, e.g. “sessions to Redis 7 cluster”; typed again to confirm completion or rollback."
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && name.trim() && submit()}
          data-autofocus
          data-testid="new-migration-name"
        />
        <ErrorAlert error={create.error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} disabled={!name.trim()} loading={create.isPending} data-testid="new-migration-create">
            Create draft
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function MigrationsPage() {
  const runs = useRuns();
  const canOperate = useCan('operate');
  const [opened, { open, close }] = useDisclosure(false);
  const rows = runs.data ?? [];
  return (
    <>
      <PageHeader
        title="Guided migrations"
        description="Runs that walk the runbook: setup, prepare, review and approval, execution, traffic steps, acceptance and completion, with a rollback window."
        actions={
          canOperate && (
            <Button leftSection={<IconPlus size={16} />} onClick={open} data-testid="new-migration">
              New migration
            </Button>
          )
        }
      />
      <ErrorAlert error={runs.error} />
      {runs.isLoading ? (
        <PageLoader />
      ) : runs.error ? null : rows.length === 0 ? (
        <ListEmpty icon={<IconArrowsExchange size={26} />} title="No migrations yet" description={canOperate ? 'Start one with "New migration".' : 'An operator has not created any migration yet.'} />
      ) : (
        <Table striped highlightOnHover verticalSpacing="sm" data-testid="migrations-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Run</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Strategy</Table.Th>
              <Table.Th>Source → target</Table.Th>
              <Table.Th>Updated</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id} data-testid={`migration-row-${r.id}`}>
                <Table.Td>
                  <Anchor component={Link} href={`/migrations/${r.id}`} size="sm">
                    {r.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <RunStateBadge state={r.state} returnTo={r.return_to} testId="migration-row-state" />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.setup ? r.setup.strategy.type.replace(/_/g, ' ') : '—'}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.setup ? `${r.setup.source} → ${r.setup.target}` : 'not set up yet'}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" title={r.updated_at}>
                    {formatRelative(r.updated_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewRunModal opened={opened} onClose={close} />
    </>
  );
}
