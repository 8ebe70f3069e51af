/** A titled card around one chart of the interlay page. */
'use client';

import { Card, Text } from '@mantine/core';

export function ChartCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Text fw={600} size="sm" mb="xs">
        {title}
      </Text>
      {children}
    </Card>
  );
}
