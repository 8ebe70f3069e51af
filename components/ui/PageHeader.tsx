/**
 * The title row of every console page: optional breadcrumbs, a title, a dimmed
 * description and right-aligned actions (below the title when the line is too narrow).
 */
import Link from 'next/link';
import { Anchor, Box, Breadcrumbs, Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

export interface PageHeaderProps {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  breadcrumbs?: { label: string; href?: string }[];
  /** Badges or status shown next to the title. */
  badges?: ReactNode;
}

export function PageHeader({ title, description, actions, breadcrumbs, badges }: PageHeaderProps) {
  return (
    <Stack gap={6} mb="lg">
      {breadcrumbs && breadcrumbs.length > 0 && (
        <Breadcrumbs separatorMargin={6} fz="sm">
          {breadcrumbs.map((b) =>
            b.href ? (
              <Anchor key={b.label} component={Link} href={b.href} size="sm">
                {b.label}
              </Anchor>
            ) : (
              <Text key={b.label} size="sm" c="dimmed">
                {b.label}
              </Text>
            ),
          )}
        </Breadcrumbs>
      )}
      {/* Wraps: when title and actions do not fit on one line (a phone is 390 px wide) the
          actions move below the title instead of running over it. */}
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="md" data-testid="page-header">
        <Box miw={0} style={{ flex: '1 1 auto', overflowWrap: 'anywhere' }} data-testid="page-header-title">
          <Group gap="sm" align="center">
            <Title order={2} fw={600}>
              {title}
            </Title>
            {badges}
          </Group>
          {description && (
            <Text c="dimmed" size="sm" mt={4}>
              {description}
            </Text>
          )}
        </Box>
        {actions && (
          <Group gap="xs" wrap="wrap" data-testid="page-header-actions">
            {actions}
          </Group>
        )}
      </Group>
    </Stack>
  );
}
