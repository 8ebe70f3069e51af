/** A finding's evidence as a small key/value table; nested values as indented JSON. */
import { Code, Table, Text } from '@mantine/core';

function scalar(v: unknown): string | null {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function Evidence({ evidence }: { evidence: Record<string, unknown> }) {
  const entries = Object.entries(evidence ?? {});
  if (entries.length === 0) return <Text size="sm" c="dimmed">No evidence recorded.</Text>;
  return (
    <Table withRowBorders={false} verticalSpacing={2} fz="sm" data-testid="finding-evidence">
      <Table.Tbody>
        {entries.map(([k, v]) => {
          const s = scalar(v);
          return (
            <Table.Tr key={k}>
              <Table.Td w={240} c="dimmed" style={{ verticalAlign: 'top' }}>
                {k.replace(/_/g, ' ')}
              </Table.Td>
              <Table.Td>
                {s !== null ? (
                  <Text size="sm" ff="monospace" style={{ wordBreak: 'break-all' }}>
                    {s}
                  </Text>
                ) : (
                  <Code block style={{ maxHeight: 240, overflow: 'auto' }}>
                    {JSON.stringify(v, null, 2)}
                  </Code>
                )}
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
