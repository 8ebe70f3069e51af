/**
 * Settings → API tokens: create a token (its secret is shown once, with a copy button),
 * list and revoke. Admins may switch to everyone's tokens.
 */
'use client';

import { useState } from 'react';
import {
  ActionIcon,
  Alert,

  Button,
  Card,
  Code,
  CopyButton,
  EmptyState,
  Group,
  Modal,
  NumberInput,
  Skeleton,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconCheck, IconCopy, IconKey, IconPlus, IconTrash } from '@tabler/icons-react';
import { api, seg } from '@/lib/client/api';
import { useCan } from '@/lib/client/auth';
import { formatDateTime, formatRelative } from '@/lib/client/format';
import { tokenKeys } from '@/lib/client/query-keys';
import type { ApiToken, CreatedToken } from '@/lib/client/types';
import { ConfirmButton, ErrorAlert, StatusBadge, applyServerErrors, notifySuccess } from '@/components/ui';

function tokenStatus(t: ApiToken): 'active' | 'revoked' | 'expired' {
  if (t.revoked_at) return 'revoked';
  if (t.expires_at && new Date(t.expires_at).getTime() <= Date.now()) return 'expired';
  return 'active';
}

function CreateTokenModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (t: CreatedToken) => void }) {
  const qc = useQueryClient();
  const form = useForm<{ name: string; expires_in_days: number | string }>({
    initialValues: { name: '', expires_in_days: 90 },
    validate: {
      name: (v) => (v.trim() ? (v.length > 100 ? 'At most 100 characters' : null) : 'Give the token a name, e.g. "CI pipeline"'),
      expires_in_days: (v) => (v === '' || (typeof v === 'number' && v >= 1 && v <= 3650) ? null : '1-3650 days, or empty for no expiry'),
    },
  });
  const create = useMutation({
    mutationFn: (v: typeof form.values) =>
      api.post<CreatedToken>('/tokens', { name: v.name.trim(), ...(typeof v.expires_in_days === 'number' ? { expires_in_days: v.expires_in_days } : {}) }),
    onSuccess: (t) => {
      void qc.invalidateQueries({ queryKey: tokenKeys.all });
      form.reset();
      onCreated(t);
    },
    onError: (e) => applyServerErrors(form, e),
  });
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>New API token</Text>} centered>
      <form onSubmit={form.onSubmit((v) => create.mutate(v))} noValidate>
        <Stack gap="sm">
          <ErrorAlert error={create.error} />
          <TextInput label="Name" placeholder="CI pipeline" withAsterisk data-autofocus {...form.getInputProps('name')} data-testid="token-name" />
          <NumberInput
            label="Expires in (days)"
            description="Leave empty for a token that does not expire"
            min={1}
            max={3650}
            allowDecimal={false}
            {...form.getInputProps('expires_in_days')}
            data-testid="token-expiry"
          />
          <Text size="xs" c="dimmed">
            The token acts with your role. Send it as <Code>Authorization: Bearer &lt;token&gt;</Code>.
          </Text>
          <Group justify="flex-end" mt="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="token-create-submit">
              Create token
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SecretModal({ token, onClose }: { token: CreatedToken | null; onClose: () => void }) {
  return (
    <Modal opened={!!token} onClose={onClose} title={<Text fw={600}>Token created</Text>} centered size="lg" closeOnClickOutside={false}>
      {token && (
        <Stack gap="sm">
          <Alert color="yellow" variant="light" title="Copy it now">
            This is the only time the secret of <b>{token.name}</b> is shown. Store it in your secret manager.
          </Alert>
          <Group gap="xs" wrap="nowrap">
            <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="token-secret">
              {token.token}
            </Code>
            <CopyButton value={token.token}>
              {({ copied, copy }) => (
                <Tooltip label={copied ? 'Copied' : 'Copy'} withArrow>
                  <ActionIcon variant="light" color={copied ? 'teal' : 'gray'} size="lg" onClick={copy} aria-label="Copy token" data-testid="token-copy">
                    {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="token-secret-done">
              I have stored it
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

export function TokensPanel() {
  const isAdmin = useCan('admin');
  const [all, setAll] = useState(false);
  const scope = isAdmin && all ? 'all' : 'mine';
  const qc = useQueryClient();
  const tokens = useQuery({
    queryKey: tokenKeys.list(scope),
    queryFn: async () => (await api.get<{ tokens: ApiToken[] }>('/tokens', { query: { all: scope === 'all' ? 'true' : undefined } })).tokens,
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api.delete(`/tokens/${seg(id)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: tokenKeys.all }),
  });
  const [createOpened, create] = useDisclosure(false);
  const [secret, setSecret] = useState<CreatedToken | null>(null);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" maw={640}>
          API tokens let scripts and CI call the API as you. Revoke a token when it leaks or is no longer needed.
        </Text>
        <Group gap="md">
          {isAdmin && <Switch label="Everyone's tokens" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} data-testid="tokens-all" />}
          <Button leftSection={<IconPlus size={16} />} onClick={create.open} data-testid="token-new">
            New token
          </Button>
        </Group>
      </Group>
      <ErrorAlert error={tokens.error} />
      <Card p={0}>
        {tokens.isPending ? (
          <Stack p="lg">
            <Skeleton h={20} />
            <Skeleton h={20} />
          </Stack>
        ) : tokens.data?.length === 0 ? (
          <EmptyState py={48} icon={<IconKey size={26} />} withIndicatorBackground title="No API tokens" description="Create one for automation; the secret is shown once." />
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table data-testid="tokens-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Prefix</Table.Th>
                  {scope === 'all' && <Table.Th>Owner</Table.Th>}
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Expires</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {tokens.data?.map((t) => {
                  const status = tokenStatus(t);
                  return (
                    <Table.Tr key={t.id} data-testid={`token-row-${t.name}`}>
                      <Table.Td fw={500}>{t.name}</Table.Td>
                      <Table.Td>
                        <Code>{t.prefix}…</Code>
                      </Table.Td>
                      {scope === 'all' && <Table.Td>{t.owner}</Table.Td>}
                      <Table.Td>
                        <Text size="sm" title={formatDateTime(t.created_at)}>
                          {formatRelative(t.created_at)}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={t.last_used_at ? undefined : 'dimmed'} title={formatDateTime(t.last_used_at)}>
                          {t.last_used_at ? formatRelative(t.last_used_at) : 'never'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" c={t.expires_at ? undefined : 'dimmed'} title={formatDateTime(t.expires_at)}>
                          {t.expires_at ? formatRelative(t.expires_at) : 'never'}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={status} data-testid="token-status" />
                      </Table.Td>
                      <Table.Td>
                        {status !== 'revoked' && (
                          <ConfirmButton
                            icon={<IconTrash size={16} />}
                            label={`Revoke ${t.name}`}
                            title={`Revoke token "${t.name}"?`}
                            message="Requests using this token are refused from now on. This cannot be undone."
                            confirmLabel="Revoke"
                            onConfirm={async () => {
                              await revoke.mutateAsync(t.id);
                              notifySuccess(`Token ${t.name} revoked`);
                            }}
                            data-testid={`token-revoke-${t.name}`}
                          />
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <CreateTokenModal
        opened={createOpened}
        onClose={create.close}
        onCreated={(t) => {
          create.close();
          setSecret(t);
        }}
      />
      <SecretModal token={secret} onClose={() => setSecret(null)} />
    </Stack>
  );
}
