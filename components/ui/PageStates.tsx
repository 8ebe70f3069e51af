/**
 * What a page shows before its data is there: `PageLoader` while loading, `ListEmpty` for a
 * list with nothing in it yet (Mantine's EmptyState in a bordered card, with an optional action).
 */
'use client';

import type { ReactNode } from 'react';
import { Card, Center, EmptyState, Loader } from '@mantine/core';

export function PageLoader() {
  return (
    <Center p="xl">
      <Loader />
    </Center>
  );
}

export function ListEmpty({ icon, title, description, action }: { icon: ReactNode; title: string; description: ReactNode; action?: ReactNode }) {
  return (
    <Card withBorder>
      <EmptyState py={48} icon={icon} withIndicatorBackground title={title} description={description}>
        {action && <EmptyState.Actions>{action}</EmptyState.Actions>}
      </EmptyState>
    </Card>
  );
}
