/**
 * The signed-in frame: header with the user menu, navbar with every section, and the
 * page. Loads `/auth/me` first (401 → /login?next=…, via the QueryClient's error hook)
 * and mounts the one Socket.IO invalidation hook for the whole console.
 */
'use client';

import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import type { ReactNode } from 'react';
import {
  AppShell,
  Avatar,
  Badge,
  Burger,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  Modal,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  ThemeIcon,
  UnstyledButton,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import {
  IconArrowsExchange,
  IconChevronDown,
  IconClipboardCheck,
  IconCopy,
  IconDatabase,
  IconKey,
  IconListDetails,
  IconLock,
  IconLogout,
  IconRoute,
  IconSettings,
  IconTransfer,
  IconUsers,
} from '@tabler/icons-react';
import { api, ApiError } from '@/lib/client/api';
import { useMe } from '@/lib/client/auth';
import { closeSocket, useSocketInvalidation } from '@/lib/client/socket';
import type { Role } from '@/lib/client/types';
import { ErrorAlert } from '@/components/ui';
import { ChangePasswordForm } from '@/components/settings/ChangePasswordForm';

interface NavItem {
  label: string;
  href: string;
  icon: ReactNode;
}

const NAV: (NavItem | { label: string; icon: ReactNode; children: NavItem[] })[] = [
  { label: 'Endpoints', href: '/endpoints', icon: <IconDatabase size={18} /> },
  { label: 'Interlays', href: '/interlays', icon: <IconRoute size={18} /> },
  {
    label: 'Migrations',
    icon: <IconTransfer size={18} />,
    children: [
      { label: 'Guided runs', href: '/migrations', icon: <IconArrowsExchange size={16} /> },
      { label: 'Copy jobs', href: '/copy-jobs', icon: <IconCopy size={16} /> },
      { label: 'Compatibility reports', href: '/compatibility', icon: <IconClipboardCheck size={16} /> },
    ],
  },
  {
    label: 'Settings',
    icon: <IconSettings size={18} />,
    children: [{ label: 'Users & tokens', href: '/settings', icon: <IconUsers size={16} /> }],
  },
  { label: 'Audit log', href: '/audit', icon: <IconListDetails size={18} /> },
];

export const ROLE_COLORS: Record<Role, string> = { admin: 'red', operator: 'blue', approver: 'violet', viewer: 'gray' };

function isActive(pathname: string, href: string): boolean {
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function ConsoleShell({ children }: { children: ReactNode }) {
  const me = useMe();
  const [navOpened, { toggle, close }] = useDisclosure(false);
  const pathname = usePathname();

  if (me.isPending || (me.error instanceof ApiError && me.error.status === 401)) {
    return (
      <Center mih="100vh">
        <Loader />
      </Center>
    );
  }
  if (me.error) {
    return (
      <Center mih="100vh" p="md">
        <Stack maw={480}>
          <ErrorAlert error={me.error} title="The console could not load your session" />
          <Button variant="default" onClick={() => void me.refetch()}>
            Try again
          </Button>
        </Stack>
      </Center>
    );
  }

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 248, breakpoint: 'sm', collapsed: { mobile: !navOpened } }} padding="lg">
      <SocketInvalidation />
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={navOpened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <UnstyledButton component={Link} href="/endpoints">
              <Group gap={10}>
                <ThemeIcon size={30} radius="md" variant="filled" color="red">
                  <IconArrowsExchange size={18} />
                </ThemeIcon>
                <Text fw={700} size="md">
                  Redis Interlay
                </Text>
              </Group>
            </UnstyledButton>
          </Group>
          <UserMenu />
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <AppShell.Section grow component={ScrollArea}>
          <Stack gap={2}>
            {NAV.map((item) =>
              'children' in item ? (
                <NavLink
                  key={item.label}
                  label={item.label}
                  leftSection={item.icon}
                  defaultOpened
                  childrenOffset={20}
                  active={item.children.some((c) => isActive(pathname, c.href))}
                  variant="subtle"
                  styles={{ root: { borderRadius: 'var(--mantine-radius-md)' } }}
                >
                  {item.children.map((c) => (
                    <NavLink
                      key={c.href}
                      component={Link}
                      href={c.href}
                      label={c.label}
                      leftSection={c.icon}
                      active={isActive(pathname, c.href)}
                      onClick={close}
                      styles={{ root: { borderRadius: 'var(--mantine-radius-md)' } }}
                    />
                  ))}
                </NavLink>
              ) : (
                <NavLink
                  key={item.href}
                  component={Link}
                  href={item.href}
                  label={item.label}
                  leftSection={item.icon}
                  active={isActive(pathname, item.href)}
                  onClick={close}
                  styles={{ root: { borderRadius: 'var(--mantine-radius-md)' } }}
                />
              ),
            )}
          </Stack>
        </AppShell.Section>
        <AppShell.Section>
          <Text size="xs" c="dimmed" px="xs">
            Signed in as {me.data.user.username}
          </Text>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <div style={{ maxWidth: 1280, margin: '0 auto' }}>{children}</div>
      </AppShell.Main>
    </AppShell>
  );
}

/** A component so the hook runs only once the session is known (the socket needs the cookie). */
function SocketInvalidation() {
  useSocketInvalidation();
  return null;
}

function UserMenu() {
  const { data } = useMe();
  const router = useRouter();
  const qc = useQueryClient();
  const [pwOpened, pw] = useDisclosure(false);
  if (!data) return null;
  const { user } = data;
  const name = user.display_name || user.username;

  const signOut = async () => {
    await api.post('/auth/logout').catch(() => {});
    closeSocket();
    qc.clear();
    router.replace('/login');
  };

  return (
    <>
      <Menu position="bottom-end" width={240} withArrow>
        <Menu.Target>
          <UnstyledButton data-testid="user-menu" aria-label="User menu">
            <Group gap={8}>
              <Avatar size={30} radius="xl" color={ROLE_COLORS[user.role]}>
                {name.slice(0, 2).toUpperCase()}
              </Avatar>
              <Stack gap={0} visibleFrom="xs">
                <Text size="sm" fw={500} lh={1.2}>
                  {name}
                </Text>
              </Stack>
              <Badge size="sm" variant="light" color={ROLE_COLORS[user.role]} data-testid="role-badge">
                {user.role}
              </Badge>
              <IconChevronDown size={14} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>
            {user.username} · {user.role}
          </Menu.Label>
          <Menu.Item leftSection={<IconLock size={16} />} onClick={pw.open}>
            Change password
          </Menu.Item>
          <Menu.Item leftSection={<IconKey size={16} />} component={Link} href="/settings?tab=tokens">
            API tokens
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item leftSection={<IconLogout size={16} />} color="red" onClick={() => void signOut()} data-testid="sign-out">
            Sign out
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      <Modal opened={pwOpened} onClose={pw.close} title="Change password" centered>
        <ChangePasswordForm onDone={pw.close} />
      </Modal>
    </>
  );
}
