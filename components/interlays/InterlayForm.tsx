/**
 * Create or edit an interlay, in a modal. Secrets come back from the API masked
 * ("********"); leaving a masked field as it is keeps the stored secret, clearing it removes
 * it. Server 400 issues land on the fields they name (`settings.auth.users.0.password`).
 */
'use client';

import { useEffect, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Divider,
  Group,
  Modal,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { IconAlertTriangle, IconInfoCircle, IconPlus, IconTrash } from '@tabler/icons-react';
import { api, type ApiIssue } from '@/lib/client/api';
import { endpointKeys } from '@/lib/client/query-keys';
import type { EndpointView } from '@/lib/client/types';
import { applyServerErrors } from '@/components/ui/apply-server-errors';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { COMMAND_ALLOW_ENTRY, INTERLAY_ID, SECRET_MASK, DEFAULT_BIND_ADDRESS, DEFAULT_MAX_CONNECTIONS, isLoopback } from '@/lib/interlays/schema';

/** Suggestions for the allowlist: the groups, and what applications most often need. */
const ALLOW_SUGGESTIONS = ['@admin', '@destructive', 'config|get', 'flushdb', 'flushall', 'client|list', 'client|kill', 'client|unblock', 'monitor', 'slowlog'];
import { useInterlayMutations, type InterlayBody, type InterlayView } from './hooks';

interface FormValues {
  id: string;
  endpoint: string | null;
  port: number | string;
  start: boolean;
  settings: {
    bind_address: string;
    max_concurrent_connections: number | string;
    idle_timeout_s: number | string;
    auth: { password: string; users: { username: string; password: string }[] };
    tls_enabled: boolean;
    tls: { cert: string; key: string };
    backend_auth: boolean;
    unauthenticated: boolean;
    unauthenticated_ack: boolean;
    unauthenticated_reason: string;
    command_allowlist: string[];
  };
}

function initialValues(il?: InterlayView): FormValues {
  const s = il?.settings;
  return {
    id: il?.id ?? '',
    endpoint: il?.endpoint ?? null,
    port: il?.port ?? 6200,
    start: false,
    settings: {
      bind_address: s?.bind_address ?? DEFAULT_BIND_ADDRESS,
      max_concurrent_connections: s?.max_concurrent_connections ?? DEFAULT_MAX_CONNECTIONS,
      idle_timeout_s: s?.idle_timeout_s ?? 0,
      auth: { password: s?.auth?.has_password ? SECRET_MASK : '', users: s?.auth?.users?.map((u) => ({ username: u.username, password: u.password })) ?? [] },
      tls_enabled: Boolean(s?.tls),
      tls: { cert: s?.tls?.cert ?? '', key: s?.tls?.key ?? '' },
      backend_auth: s?.backend_auth ?? true,
      unauthenticated: Boolean(s?.allow_unauthenticated),
      unauthenticated_ack: Boolean(s?.allow_unauthenticated),
      unauthenticated_reason: s?.allow_unauthenticated?.reason ?? '',
      command_allowlist: s?.command_allowlist ?? [],
    },
  };
}

function toBody(v: FormValues, editing: InterlayView | undefined): InterlayBody {
  const s = v.settings;
  const users = s.auth.users.filter((u) => u.username.trim() !== '').map((u) => ({ username: u.username.trim(), password: u.password }));
  const hadPassword = Boolean(editing?.settings.auth?.has_password);
  let auth: Record<string, unknown> | null | undefined;
  if (s.auth.password || users.length) {
    auth = { users };
    if (s.auth.password) auth.password = s.auth.password;
    else if (hadPassword) auth.password = null;
  } else {
    auth = editing?.settings.auth ? null : undefined;
  }
  const tls = s.tls_enabled ? { cert: s.tls.cert, key: s.tls.key } : editing?.settings.tls ? null : undefined;
  const settings = {
    bind_address: s.bind_address.trim(),
    max_concurrent_connections: Number(s.max_concurrent_connections),
    idle_timeout_s: Number(s.idle_timeout_s),
    ...(auth !== undefined ? { auth } : {}),
    ...(tls !== undefined ? { tls } : {}),
    backend_auth: s.backend_auth,
    allow_unauthenticated: s.unauthenticated ? { acknowledged: s.unauthenticated_ack as true, reason: s.unauthenticated_reason.trim() } : null,
    command_allowlist: s.command_allowlist,
  };
  if (editing) return { endpoint: v.endpoint ?? undefined, port: Number(v.port), settings };
  return { id: v.id.trim(), endpoint: v.endpoint ?? undefined, port: Number(v.port), settings, ...(v.start ? { start: true } : {}) };
}

export interface InterlayFormModalProps {
  opened: boolean;
  onClose: () => void;
  /** Edit this interlay; create a new one when absent. */
  interlay?: InterlayView;
  onSaved?: (il: InterlayView) => void;
}

export function InterlayFormModal({ opened, onClose, interlay, onSaved }: InterlayFormModalProps) {
  const editing = interlay;
  const running = editing ? ['starting', 'listening', 'draining'].includes(editing.status) : false;
  const { create, update } = useInterlayMutations();
  const [error, setError] = useState<unknown>(null);
  const [unmatched, setUnmatched] = useState<ApiIssue[]>([]);
  const endpoints = useQuery({
    queryKey: endpointKeys.lists(),
    queryFn: async () => (await api.get<{ endpoints: EndpointView[] }>('/endpoints')).endpoints,
    enabled: opened,
  });

  const form = useForm<FormValues>({
    mode: 'controlled',
    initialValues: initialValues(editing),
    validate: {
      id: (v) => (editing || INTERLAY_ID.test(v.trim()) ? null : 'Use 1-63 letters, digits, "_", "." or "-", starting with a letter or digit'),
      endpoint: (v) => (v ? null : 'Pick the endpoint whose primary this interlay fronts'),
      port: (v) => (Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= 65535 ? null : 'Must be 1-65535'),
      settings: {
        max_concurrent_connections: (v) => (Number(v) >= 1 ? null : 'Must be at least 1'),
        idle_timeout_s: (v) => (Number(v) >= 0 ? null : 'Must be 0 (never) or more'),
        tls: {
          cert: (v, values) => (values.settings.tls_enabled && !v.includes('BEGIN') ? 'Paste the PEM certificate' : null),
          key: (v, values) => (values.settings.tls_enabled && !v ? 'Paste the PEM private key' : null),
        },
        unauthenticated_ack: (v, values) => (values.settings.unauthenticated && !v ? 'Confirm that you understand' : null),
        unauthenticated_reason: (v, values) => (values.settings.unauthenticated && !v.trim() ? 'Say why this interlay may serve clients without AUTH' : null),
        command_allowlist: (v) => (v.every((e) => COMMAND_ALLOW_ENTRY.test(e)) ? null : 'Use command names (flushdb), subcommands (config|get), @admin or @destructive'),
      },
    },
  });

  // Reset when the modal opens for another interlay (or for a new one).
  useEffect(() => {
    if (opened) {
      form.setValues(initialValues(editing));
      form.resetDirty();
      form.clearErrors();
      setError(null);
      setUnmatched([]);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, editing?.id]);

  const submit = form.onSubmit(async (values) => {
    setError(null);
    setUnmatched([]);
    try {
      const body = toBody(values, editing);
      const saved = editing ? await update.mutateAsync({ id: editing.id, body }) : await create.mutateAsync(body);
      onSaved?.(saved);
      onClose();
    } catch (e) {
      setUnmatched(applyServerErrors(form, e));
      setError(e);
    }
  });

  const busy = create.isPending || update.isPending;
  const values = form.getValues().settings;
  const users = values.auth.users;
  const loopback = isLoopback(values.bind_address.trim());

  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>{editing ? `Edit interlay "${editing.id}"` : 'New interlay'}</Text>} size="lg">
      <form onSubmit={submit} noValidate data-testid="interlay-form">
        <Stack gap="sm">
          {running && (
            <Alert color="blue" variant="light" icon={<IconInfoCircle size={18} />}>
              This interlay is running: max connections, idle timeout and auth apply live. Stop it to change the port, endpoint, bind address or TLS.
            </Alert>
          )}
          <ErrorAlert error={error} issues={unmatched} />
          {!editing && <TextInput label="Name" placeholder="redis-live-interlay" withAsterisk data-autofocus {...form.getInputProps('id')} />}
          <Group grow align="flex-start">
            <Select
              label="Endpoint"
              description="Its primary (write connection) serves reads and writes"
              placeholder={endpoints.isLoading ? 'Loading…' : 'Pick an endpoint'}
              data={(endpoints.data ?? []).map((e) => ({ value: e.endpoint, label: e.endpoint }))}
              searchable
              withAsterisk
              disabled={running}
              nothingFoundMessage="No endpoint; create one under Endpoints"
              {...form.getInputProps('endpoint')}
            />
            <NumberInput label="Port" description="Clients connect here" min={1} max={65535} allowDecimal={false} withAsterisk disabled={running} {...form.getInputProps('port')} />
          </Group>
          <Group grow align="flex-start">
            <TextInput label="Bind address" description="0.0.0.0 for all interfaces" disabled={running} {...form.getInputProps('settings.bind_address')} />
            <NumberInput label="Max connections" min={1} allowDecimal={false} {...form.getInputProps('settings.max_concurrent_connections')} />
            <NumberInput label="Idle timeout (s)" description="0 = never" min={0} allowDecimal={false} {...form.getInputProps('settings.idle_timeout_s')} />
          </Group>

          <Divider label="Client authentication" labelPosition="left" />
          <PasswordInput
            label="Password (default user)"
            description={editing?.settings.auth?.has_password ? 'Leave as is to keep the stored password; clear it to remove it' : 'Clients send AUTH <password>; empty = no password'}
            autoComplete="new-password"
            {...form.getInputProps('settings.auth.password')}
          />
          {users.map((_, i) => (
            <Group key={i} align="flex-end" wrap="nowrap">
              <TextInput style={{ flex: 1 }} label={i === 0 ? 'User' : undefined} placeholder="username" {...form.getInputProps(`settings.auth.users.${i}.username`)} />
              <PasswordInput style={{ flex: 1 }} label={i === 0 ? 'Password' : undefined} autoComplete="new-password" {...form.getInputProps(`settings.auth.users.${i}.password`)} />
              <Tooltip label="Remove user" withArrow>
                <ActionIcon variant="subtle" color="red" mb={4} aria-label="Remove user" onClick={() => form.removeListItem('settings.auth.users', i)}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Tooltip>
            </Group>
          ))}
          <Group>
            <Button variant="subtle" size="xs" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('settings.auth.users', { username: '', password: '' })}>
              Add user
            </Button>
          </Group>
          <Switch
            label="Clients may sign in as users of the backend"
            description="AUTH as any other user is checked by the backend itself; the client then runs with that user's own ACL permissions"
            {...form.getInputProps('settings.backend_auth', { type: 'checkbox' })}
          />
          <Switch
            label="Serve clients that never AUTH"
            description={loopback ? 'They run with the endpoint\'s stored credentials' : 'Only for an interlay bound to a loopback address (127.0.0.1, ::1)'}
            disabled={!loopback && !values.unauthenticated}
            data-testid="interlay-unauthenticated"
            {...form.getInputProps('settings.unauthenticated', { type: 'checkbox' })}
          />
          {values.unauthenticated && (
            <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Anyone who reaches this port acts with the endpoint's credentials">
              <Stack gap="xs">
                <TextInput label="Reason" placeholder="local development only" withAsterisk {...form.getInputProps('settings.unauthenticated_reason')} />
                <Checkbox label="I understand that clients without AUTH get the endpoint's permissions" {...form.getInputProps('settings.unauthenticated_ack', { type: 'checkbox' })} />
              </Stack>
            </Alert>
          )}

          <Divider label="Commands" labelPosition="left" />
          <TagsInput
            label="Allowed administrative commands"
            description="Administrative (CONFIG, ACL, DEBUG, SHUTDOWN, MONITOR, CLIENT KILL …) and destructive (FLUSHALL, FLUSHDB, SWAPDB) commands are refused unless listed here"
            placeholder="config|get, flushdb, @admin"
            data={ALLOW_SUGGESTIONS}
            clearable
            {...form.getInputProps('settings.command_allowlist')}
          />

          <Divider label="TLS" labelPosition="left" />
          <Switch label="Clients connect with TLS (rediss://)" disabled={running} {...form.getInputProps('settings.tls_enabled', { type: 'checkbox' })} />
          {form.getValues().settings.tls_enabled && (
            <>
              <Textarea label="Certificate (PEM)" autosize minRows={3} maxRows={8} ff="monospace" disabled={running} placeholder="-----BEGIN CERTIFICATE-----" {...form.getInputProps('settings.tls.cert')} />
              <Textarea
                label="Private key (PEM)"
                description={editing?.settings.tls?.has_key ? 'Leave ******** to keep the stored key' : undefined}
                autosize
                minRows={3}
                maxRows={8}
                ff="monospace"
                disabled={running}
                placeholder="-----BEGIN PRIVATE KEY-----"
                {...form.getInputProps('settings.tls.key')}
              />
            </>
          )}

          {!editing && <Checkbox label="Start it now" {...form.getInputProps('start', { type: 'checkbox' })} />}
          <Group justify="flex-end" mt="sm">
            <Button variant="default" onClick={onClose} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} data-testid="interlay-save">
              {editing ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
