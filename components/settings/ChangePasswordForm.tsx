/** Change one's own password (POST /auth/password); used by the user menu and Settings → Account. */
'use client';

import { Button, Group, PasswordInput, Stack } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation } from '@tanstack/react-query';
import { api } from '@/lib/client/api';
import { ErrorAlert, applyServerErrors, notifySuccess } from '@/components/ui';

export function ChangePasswordForm({ onDone }: { onDone?: () => void }) {
  const form = useForm({
    initialValues: { current_password: '', new_password: '', confirm: '' },
    validate: {
      current_password: (v) => (v ? null : 'Enter your current password'),
      new_password: (v) => (v.length >= 8 ? null : 'At least 8 characters'),
      confirm: (v, all) => (v === all.new_password ? null : 'The passwords do not match'),
    },
  });
  const change = useMutation({
    mutationFn: (v: typeof form.values) => api.post('/auth/password', { current_password: v.current_password, new_password: v.new_password }),
    onSuccess: () => {
      notifySuccess('Your password was changed.');
      form.reset();
      onDone?.();
    },
    onError: (e) => applyServerErrors(form, e),
  });
  return (
    <form onSubmit={form.onSubmit((v) => change.mutate(v))} noValidate>
      <Stack gap="sm" maw={420}>
        <ErrorAlert error={change.error} />
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
