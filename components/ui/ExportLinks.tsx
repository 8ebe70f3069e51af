'use client';

import { Anchor, Group } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';

export interface ExportLinksProps {
  /** The download URL of each format. */
  href: (format: 'csv' | 'jsonl') => string;
  /** Prefix of the links' test ids (`<prefix>-csv`, `<prefix>-jsonl`). */
  testId?: string;
}

/** CSV and JSON Lines download links for a streamed export. */
export function ExportLinks({ href, testId }: ExportLinksProps) {
  return (
    <Group gap="xs">
      {(['csv', 'jsonl'] as const).map((f) => (
        <Anchor key={f} href={href(f)} download size="sm" data-testid={testId ? `${testId}-${f}` : undefined}>
          <Group gap={4}>
            <IconDownload size={14} /> {f.toUpperCase()}
          </Group>
        </Anchor>
      ))}
    </Group>
  );
}
