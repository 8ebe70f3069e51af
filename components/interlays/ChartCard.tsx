/** A titled card around one chart of the interlay page. */
'use client';

import { Card, Text } from '@mantine/core';

export function ChartCard({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  return (
    <Card withBorder padding="md" data-testid={testId}>
      <Text fw={600} size="sm" mb="xs">
        {title}
      </Text>
      {children}
    </Card>
  );
}
