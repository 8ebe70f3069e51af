/**
 * Settings → Users (admins only): create users, change role or display name, disable,
 * reset a password, delete.
 */
'use client';

import { useState } from 'react';
import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Modal,
  PasswordInput,
  Select,
  Skeleton,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconDots, IconLock, IconPencil, IconPlus, IconTrash, IconUserOff, IconUserCheck } from '@tabler/icons-react';
import { ROLES } from '@/lib/auth/roles';
import { api, seg } from '@/lib/client/api';
import { useMe } from '@/lib/client/auth';
import { formatRelative } from '@/lib/client/format';
import { userKeys } from '@/lib/client/query-keys';
import type { Role, User } from '@/lib/client/types';
import { ErrorAlert, StatusBadge, applyServerErrors, notifyError, notifySuccess } from '@/components/ui';
import { ROLE_COLORS } from '@/components/shell/ConsoleShell';

const ROLE_HELP: Record<Role, string> = {
  admin: 'Everything, including users and everyone’s tokens',
  operator: 'Create and run endpoints, interlays, copy jobs and migrations',
  approver: 'Approve migrations and acknowledge findings',
  viewer: 'Read-only',
};

const roleOptions = ROLES.map((r) => ({ value: r, label: `${r} — ${ROLE_HELP[r]}` }));

function useUserMutations() {
  const qc = useQueryClient();
  const done = () => void qc.invalidateQueries({ queryKey: userKeys.all });
  return {
    create: useMutation({ mutationFn: (b: { username: string; password: string; role: Role; display_name?: string }) => api.post<User>('/users', b), onSuccess: done }),
    update: useMutation({
      mutationFn: ({ username, ...b }: { username: string; password?: string; role?: Role; display_name?: string | null; disabled?: boolean }) => api.patch<User>(`/users/${seg(username)}`, b),
      onSuccess: done,
    }),
    remove: useMutation({ mutationFn: (username: string) => api.delete(`/users/${seg(username)}`), onSuccess: done }),
  };
}

type Mutations = ReturnType<typeof useUserMutations>;

function CreateUserModal({ opened, onClose, m }: { opened: boolean; onClose: () => void; m: Mutations }) {
  const form = useForm({
    initialValues: { username: '', display_name: '', password: '', role: 'viewer' as Role },
    validate: {
      username: (v) => (/^[a-zA-Z0-9_.@-]{1,64}$/.test(v) ? null : 'Use 1-64 letters, digits or _.@-'),
      password: (v) => (v.length >= 8 ? null : 'At least 8 characters'),
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>New user</Text>} centered>
      <form
        noValidate
        onSubmit={form.onSubmit((v) =>
          m.create.mutate(
            { username: v.username, password: v.password, role: v.role, ...(v.display_name.trim() ? { display_name: v.display_name.trim() } : {}) },
            {
              onSuccess: (u) => {
                notifySuccess(`User ${u.username} created`);
                form.reset();
                onClose();
              },
              onError: (e) => applyServerErrors(form, e),
            },
          ),
        )}
      >
        <Stack gap="sm">
          <ErrorAlert error={m.create.error} />
          <TextInput label="Username" withAsterisk autoComplete="off" data-autofocus {...form.getInputProps('username')} data-testid="user-username" />
          <TextInput label="Display name" {...form.getInputProps('display_name')} />
          <PasswordInput label="Initial password" description="At least 8 characters; ask them to change it" withAsterisk autoComplete="new-password" {...form.getInputProps('password')} data-testid="user-password" />
          <Select label="Role" data={roleOptions} allowDeselect={false} {...form.getInputProps('role')} data-testid="user-role" />
          <Group justify="flex-end" mt="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={m.create.isPending} data-testid="user-create-submit">
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function EditUserModal({ user, onClose, m }: { user: User; onClose: () => void; m: Mutations }) {
  const form = useForm({ initialValues: { display_name: user.display_name ?? '', role: user.role, disabled: user.disabled } });
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>Edit {user.username}</Text>} centered>
      <form
        noValidate
        onSubmit={form.onSubmit((v) =>
          m.update.mutate(
            { username: user.username, display_name: v.display_name.trim() || null, role: v.role, disabled: v.disabled },
            {
              onSuccess: () => {
                notifySuccess(`User ${user.username} saved`);
                onClose();
              },
              onError: (e) => applyServerErrors(form, e),
            },
          ),
        )}
      >
        <Stack gap="sm">
          <ErrorAlert error={m.update.error} />
          <TextInput label="Display name" {...form.getInputProps('display_name')} />
          <Select label="Role" data={roleOptions} allowDeselect={false} {...form.getInputProps('role')} />
          <Switch label="Disabled (cannot sign in; sessions and tokens stop working)" {...form.getInputProps('disabled', { type: 'checkbox' })} />
          <Group justify="flex-end" mt="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={m.update.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ResetPasswordModal({ user, onClose, m }: { user: User; onClose: () => void; m: Mutations }) {
  const form = useForm({ initialValues: { password: '' }, validate: { password: (v) => (v.length >= 8 ? null : 'At least 8 characters') } });
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>Reset password of {user.username}</Text>} centered>
      <form
        noValidate
        onSubmit={form.onSubmit((v) =>
          m.update.mutate(
            { username: user.username, password: v.password },
            {
              onSuccess: () => {
                notifySuccess(`Password of ${user.username} reset`);
                onClose();
              },
              onError: (e) => applyServerErrors(form, e),
            },
          ),
        )}
      >
        <Stack gap="sm">
          <ErrorAlert error={m.update.error} />
          <PasswordInput label="New password" autoComplete="new-password" data-autofocus {...form.getInputProps('password')} />
          <Group justify="flex-end" mt="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={m.update.isPending}>
              Reset password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function UsersPanel() {
  const me = useMe();
  const users = useQuery({ queryKey: userKeys.lists(), queryFn: async () => (await api.get<{ users: User[] }>('/users')).users });
  const m = useUserMutations();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);

  const toggleDisabled = (u: User) =>
    m.update.mutate(
      { username: u.username, disabled: !u.disabled },
      { onSuccess: () => notifySuccess(`User ${u.username} ${u.disabled ? 'enabled' : 'disabled'}`), onError: (e) => notifyError(e) },
    );

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Roles: admin (everything), operator (runs migrations), approver (approves), viewer (read-only).
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="user-new">
          New user
        </Button>
      </Group>
      <ErrorAlert error={users.error} />
      <Card p={0}>
        {users.isPending ? (
          <Stack p="lg">
            <Skeleton h={20} />
            <Skeleton h={20} />
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th w={60} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data?.map((u) => (
                  <Table.Tr key={u.id} data-testid={`user-row-${u.username}`}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {u.username}
                        {u.username === me.data?.user.username && (
                          <Text span c="dimmed" size="xs" ml={6}>
                            (you)
                          </Text>
                        )}
                      </Text>
                      {u.display_name && (
                        <Text size="xs" c="dimmed">
                          {u.display_name}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={ROLE_COLORS[u.role]}>
                        {u.role}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={u.disabled ? 'disabled' : 'active'} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{formatRelative(u.created_at)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Menu position="bottom-end" withArrow>
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${u.username}`}>
                            <IconDots size={18} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item leftSection={<IconPencil size={16} />} onClick={() => setEditing(u)}>
                            Edit
                          </Menu.Item>
                          <Menu.Item leftSection={<IconLock size={16} />} onClick={() => setResetting(u)}>
                            Reset password
                          </Menu.Item>
                          <Menu.Item leftSection={u.disabled ? <IconUserCheck size={16} /> : <IconUserOff size={16} />} onClick={() => toggleDisabled(u)}>
                            {u.disabled ? 'Enable' : 'Disable'}
                          </Menu.Item>
                          <Menu.Divider />
                          <Menu.Item leftSection={<IconTrash size={16} />} color="red" onClick={() => setDeleting(u)}>
                            Delete
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <CreateUserModal opened={creating} onClose={() => setCreating(false)} m={m} />
      {editing && <EditUserModal user={editing} onClose={() => setEditing(null)} m={m} />}
      {resetting && <ResetPasswordModal user={resetting} onClose={() => setResetting(null)} m={m} />}
      {deleting && (
        <Modal opened onClose={() => setDeleting(null)} title={<Text fw={600}>Delete user {deleting.username}?</Text>} centered>
          <Stack gap="md">
            <Text size="sm">Their sessions and API tokens stop working. Audit entries keep their name. Consider disabling instead.</Text>
            <ErrorAlert error={m.remove.error} />
            <Group justify="flex-end" gap="xs">
              <Button variant="default" onClick={() => setDeleting(null)}>
                Cancel
              </Button>
              <Button
                color="red"
                loading={m.remove.isPending}
                onClick={() =>
                  m.remove.mutate(deleting.username, {
                    onSuccess: () => {
                      notifySuccess(`User ${deleting.username} deleted`);
                      setDeleting(null);
                    },
                  })
                }
              >
                Delete
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}

