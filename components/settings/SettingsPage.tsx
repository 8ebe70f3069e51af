/** /settings: tabs for API tokens, users (admins) and one's own account; `?tab=` selects one. */
'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Card, Stack, Tabs, Text, Title } from '@mantine/core';
import { IconKey, IconUser, IconUsers } from '@tabler/icons-react';
import { PageHeader } from '@/components/ui';
import { useCan, useMe } from '@/lib/client/auth';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TokensPanel } from './TokensPanel';
import { UsersPanel } from './UsersPanel';

export function SettingsPage() {
  const isAdmin = useCan('admin');
  const me = useMe();
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const requested = params.get('tab');
  const tab = requested === 'users' && isAdmin ? 'users' : requested === 'account' ? 'account' : 'tokens';

  return (
    <>
      <PageHeader title="Users & tokens" description="API tokens for automation, user accounts and your own password." />
      <Tabs value={tab} onChange={(v) => router.replace(`${pathname}?tab=${v ?? 'tokens'}`)} keepMounted={false}>
        <Tabs.List mb="lg">
          <Tabs.Tab value="tokens" leftSection={<IconKey size={16} />}>
            API tokens
          </Tabs.Tab>
          {isAdmin && (
            <Tabs.Tab value="users" leftSection={<IconUsers size={16} />} data-testid="tab-users">
              Users
            </Tabs.Tab>
          )}
          <Tabs.Tab value="account" leftSection={<IconUser size={16} />}>
            Account
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="tokens">
          <TokensPanel />
        </Tabs.Panel>
        {isAdmin && (
          <Tabs.Panel value="users">
            <UsersPanel />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="account">
          <Card maw={560}>
            <Stack gap={4} mb="md">
              <Title order={4}>Change password</Title>
              <Text size="sm" c="dimmed">
                Signed in as {me.data?.user.username} ({me.data?.user.role}). Other sessions stay signed in.
              </Text>
            </Stack>
            <ChangePasswordForm />
          </Card>
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
