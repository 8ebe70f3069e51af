/**
 * What a console URL that matches no page shows, inside the signed-in frame: the path that
 * was asked for and the ways back (the endpoint list is the console's home).
 */
'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { Button, Card, Code, EmptyState, Group } from '@mantine/core';
import { IconArrowLeft, IconError404 } from '@tabler/icons-react';
import { PageHeader } from '@/components/ui';

export function NotFoundContent() {
  const pathname = usePathname();
  return (
    <>
      <PageHeader title="Page not found" />
      <Card withBorder data-testid="not-found">
        <EmptyState
          py={48}
          icon={<IconError404 size={26} />}
          withIndicatorBackground
          title="Nothing lives at this address"
          description={
            <>
              The console has no page at <Code>{pathname}</Code>. The link may be old, or the object it pointed to was deleted.
            </>
          }
        >
          <EmptyState.Actions>
            <Group justify="center">
              <Button component={Link} href="/endpoints" leftSection={<IconArrowLeft size={16} />} data-testid="not-found-home">
                Back to the console
              </Button>
              <Button component={Link} href="/audit" variant="default">
                Audit log
              </Button>
            </Group>
          </EmptyState.Actions>
        </EmptyState>
      </Card>
    </>
  );
}
