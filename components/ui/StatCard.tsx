/** One figure with its label in a small bordered card (counters on detail pages). */
'use client';

import { Card, Text } from '@mantine/core';

export function StatCard({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="lg" fw={600} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}
