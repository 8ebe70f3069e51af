/**
 * Change one's own password (POST /auth/password); used by the user menu and Settings →
 * Account. The server signs out every other session and revokes the user's API tokens.
 */
'use client';

import { Button, Group, PasswordInput, Stack, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { tokenKeys } from '@/lib/client/query-keys';
import { ErrorAlert, applyServerErrors, notifySuccess } from '@/components/ui';

export function ChangePasswordForm({ onDone }: { onDone?: () => void }) {
  const qc = useQueryClient();
  const form = useForm({
    initialValues: { current_password: '', new_password: '', confirm: '' },
    validate: {
      current_password: (v) => (v ? null : 'Enter your current password'),
      new_password: (v) => (v.length >= 8 ? null : 'At least 8 characters'),
      confirm: (v, all) => (v === all.new_password ? null : 'The passwords do not match'),
    },
  });
  const change = useMutation({
    mutationFn: (v: typeof form.values) =>
      api.post<{ ended: { sessions: number; tokens: number } }>('/auth/password', { current_password: v.current_password, new_password: v.new_password }),
    onSuccess: ({ ended }) => {
      const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
      notifySuccess(`Your password was changed. Signed out ${plural(ended.sessions, 'other session')} and revoked ${plural(ended.tokens, 'API token')}.`);
      void qc.invalidateQueries({ queryKey: tokenKeys.all });
      form.reset();
      onDone?.();
    },
    onError: (e) => applyServerErrors(form, e),
  });
  return (
    <form onSubmit={form.onSubmit((v) => change.mutate(v))} noValidate>
      <Stack gap="sm" maw={420}>
        <ErrorAlert error={change.error} />
        <Text size="sm" c="dimmed">
          Changing your password signs out your other sessions and revokes all your API tokens; automation needs new ones.
        </Text>
        <PasswordInput label="Current password" autoComplete="current-password" {...form.getInputProps('current_password')} />
        <PasswordInput label="New password" description="At least 8 characters" autoComplete="new-password" {...form.getInputProps('new_password')} />
        <PasswordInput label="Repeat new password" autoComplete="new-password" {...form.getInputProps('confirm')} />
        <Group justify="flex-end" mt="xs">
          <Button type="submit" loading={change.isPending}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
