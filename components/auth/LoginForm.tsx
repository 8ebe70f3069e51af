/** The sign-in page: username and password; on success goes to `?next=` (same-origin only). */
'use client';

import { useRouter, useSearchParams } from 'next/navigation';
import { Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, ThemeIcon, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconArrowsExchange } from '@tabler/icons-react';
import { api } from '@/lib/client/api';
import { safeNext } from '@/lib/client/auth';
import { authKeys } from '@/lib/client/query-keys';
import { closeSocket } from '@/lib/client/socket';
import { ErrorAlert, applyServerErrors } from '@/components/ui';

export function LoginForm() {
  const router = useRouter();
  const params = useSearchParams();
  const qc = useQueryClient();
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: {
      username: (v) => (v.trim() ? null : 'Enter your username'),
      password: (v) => (v ? null : 'Enter your password'),
    },
  });
  const login = useMutation({
    mutationFn: (v: { username: string; password: string }) => api.post('/auth/login', { username: v.username.trim(), password: v.password }),
    onSuccess: () => {
      // A socket opened before sign-in carries no cookie; the shell opens a fresh one.
      closeSocket();
      qc.clear();
      void qc.invalidateQueries({ queryKey: authKeys.all });
      router.replace(safeNext(params.get('next')));
    },
    onError: (e) => applyServerErrors(form, e),
  });

  return (
    <Center mih="100vh" p="md">
      <Stack w="100%" maw={400} gap="lg">
        <Group gap="sm" justify="center">
          <ThemeIcon size={40} radius="md" variant="filled" color="red">
            <IconArrowsExchange size={24} />
          </ThemeIcon>
          <div>
            <Title order={3} lh={1.1}>
              Redis Interlay
            </Title>
            <Text size="sm" c="dimmed">
              Live migration console
            </Text>
          </div>
        </Group>
        <Paper p="xl" shadow="sm">
          <form onSubmit={form.onSubmit((v) => login.mutate(v))} noValidate>
            <Stack gap="md">
              <Title order={4}>Sign in</Title>
              <ErrorAlert error={login.error} title="Sign-in failed" />
              <TextInput label="Username" autoComplete="username" autoFocus {...form.getInputProps('username')} data-testid="login-username" />
              <PasswordInput label="Password" autoComplete="current-password" {...form.getInputProps('password')} data-testid="login-password" />
              <Button type="submit" loading={login.isPending} fullWidth mt="xs" data-testid="login-submit">
                Sign in
              </Button>
            </Stack>
          </form>
        </Paper>
        <Text size="xs" c="dimmed" ta="center">
          Automation can use API tokens (Settings → API tokens) with <code>Authorization: Bearer</code>.
        </Text>
      </Stack>
    </Center>
  );
}
