/**
 * Runs commands on an endpoint: pick the read or write connection (write needs the
 * "operate" permission; admin and dangerous commands there need the admin role), type one
 * command per line (quotes as in redis-cli), run with Ctrl/⌘+Enter. Several lines go as one
 * pipeline. Replies render with JsonView; the history (this tab only) lets you re-run or
 * inspect earlier calls. A command Read refuses points at the Write toggle when this user
 * may run it there.
 */
'use client';

import { useState } from 'react';
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Card,
  Divider,
  Group,
  Kbd,
  ScrollArea,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import { IconInfoCircle, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { CommandLineError, formatCommand, parseCommands } from '@/lib/client/command-line';
import { consoleHint } from '@/lib/client/command-refusal';
import { useCan } from '@/lib/client/auth';
import { formatMs } from '@/lib/client/format';
import type { CommandArg, RespJson } from '@/lib/client/types';
import { ErrorAlert, JsonView } from '@/components/ui';
import { useDirectCall } from './hooks';

interface Run {
  id: number;
  role: 'read' | 'write';
  input: string;
  commands: CommandArg[][];
  at: Date;
  replies?: RespJson[];
  duration_ms?: number;
  error?: unknown;
}

let nextId = 1;

function hasError(v: RespJson): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && '$error' in v;
}

export function CommandConsole({ endpoint }: { endpoint: string }) {
  const canWrite = useCan('operate');
  const isAdmin = useCan('admin');
  const [role, setRole] = useState<'read' | 'write'>('read');
  const [input, setInput] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const [history, setHistory] = useState<Run[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [raw, setRaw] = useState(false);
  const call = useDirectCall(endpoint);

  const run = (on: 'read' | 'write' = role, text: string = input) => {
    let commands: CommandArg[][];
    try {
      commands = parseCommands(text);
    } catch (e) {
      setParseError(e instanceof CommandLineError ? e.message : String(e));
      return;
    }
    if (!commands.length) {
      setParseError('Type a command, e.g. GET user:1');
      return;
    }
    setParseError(null);
    const entry: Run = { id: nextId++, role: on, input: text, commands, at: new Date() };
    call.mutate(
      { role: on, commands },
      {
        onSuccess: (r) => {
          setHistory((h) => [{ ...entry, replies: r.replies, duration_ms: r.duration_ms }, ...h].slice(0, 50));
          setSelected(entry.id);
        },
        onError: (error) => {
          setHistory((h) => [{ ...entry, error }, ...h].slice(0, 50));
          setSelected(entry.id);
        },
      },
    );
  };

  const current = history.find((h) => h.id === selected) ?? null;
  const hint = current?.error != null ? consoleHint(current.error, { write: canWrite, admin: isAdmin }) : undefined;

  return (
    <Card data-testid="command-console">
      <Group justify="space-between" mb="sm">
        <div>
          <Title order={4}>Command console</Title>
          <Text size="sm" c="dimmed">
            One command per line; several lines run as a pipeline. Read runs read-only commands; Write runs the rest (admin and
            dangerous ones need the admin role). Secrets in replies are redacted.
          </Text>
        </div>
        <Tooltip label={canWrite ? 'Which connection runs the commands' : 'Your role may only read'} withArrow>
          <SegmentedControl
            value={role}
            onChange={(v) => setRole(v as 'read' | 'write')}
            data={[
              { label: 'Read', value: 'read' },
              { label: 'Write', value: 'write', disabled: !canWrite },
            ]}
            data-testid="console-role"
          />
        </Tooltip>
      </Group>
      <Textarea
        value={input}
        onChange={(e) => setInput(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            run();
          }
        }}
        placeholder={'SET user:1 "hello world"\nGET user:1'}
        autosize
        minRows={3}
        maxRows={12}
        error={parseError}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
        aria-label="Commands"
        data-testid="console-input"
      />
      <Group justify="space-between" mt="sm">
        <Text size="xs" c="dimmed">
          <Kbd size="xs">Ctrl</Kbd> + <Kbd size="xs">Enter</Kbd> to run
        </Text>
        <Group gap="md">
          <Switch size="xs" label="Raw JSON" checked={raw} onChange={(e) => setRaw(e.currentTarget.checked)} />
          <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => run()} loading={call.isPending} color={role === 'write' ? 'orange' : undefined} data-testid="console-run">
            Run on {role}
          </Button>
        </Group>
      </Group>

      {current && (
        <>
          <Divider my="md" />
          <Stack gap="xs" data-testid="console-result">
            <Group gap="xs">
              <Badge variant="light" color={current.role === 'write' ? 'orange' : 'blue'}>
                {current.role}
              </Badge>
              {current.duration_ms !== undefined && (
                <Text size="sm" c="dimmed" data-testid="console-duration">
                  {current.commands.length} command{current.commands.length === 1 ? '' : 's'} in {formatMs(current.duration_ms)}
                </Text>
              )}
            </Group>
            {hint ? (
              <Alert color={hint.switchToWrite ? 'blue' : 'red'} variant="light" icon={<IconInfoCircle size={18} />} title={hint.switchToWrite ? 'Not run on Read' : 'Not allowed'} data-testid="console-hint">
                <Text size="sm">{hint.text}</Text>
                {hint.switchToWrite && (
                  <Button
                    size="xs"
                    mt="xs"
                    color="orange"
                    onClick={() => {
                      setRole('write');
                      setInput(current.input);
                      run('write', current.input);
                    }}
                    data-testid="console-switch-write"
                  >
                    Switch to Write and run
                  </Button>
                )}
              </Alert>
            ) : (
              current.error != null && <ErrorAlert error={current.error} />
            )}
            {current.replies?.map((reply, i) => (
              <Box key={i} p="xs" bg="var(--mantine-color-gray-0)" style={{ borderRadius: 'var(--mantine-radius-sm)', border: '1px solid var(--mantine-color-gray-2)' }}>
                <Text size="xs" c="dimmed" ff="monospace" mb={4}>
                  &gt; {formatCommand(current.commands[i] ?? [])}
                </Text>
                <div data-testid="console-reply">
                  <JsonView value={reply} raw={raw} />
                </div>
              </Box>
            ))}
          </Stack>
        </>
      )}

      {history.length > 0 && (
        <>
          <Divider my="md" />
          <Group justify="space-between" mb={6}>
            <Text size="sm" fw={600}>
              History
            </Text>
            <Tooltip label="Clear history">
              <ActionIcon variant="subtle" color="gray" size="sm" onClick={() => setHistory([])} aria-label="Clear history">
                <IconTrash size={14} />
              </ActionIcon>
            </Tooltip>
          </Group>
          <ScrollArea.Autosize mah={220}>
            <Stack gap={2} data-testid="console-history">
              {history.map((h) => {
                const failed = h.error != null || h.replies?.some(hasError);
                return (
                  <UnstyledButton
                    key={h.id}
                    onClick={() => {
                      setSelected(h.id);
                      setInput(h.input);
                      setRole(h.role === 'write' && !canWrite ? 'read' : h.role);
                    }}
                    px="xs"
                    py={4}
                    style={{ borderRadius: 'var(--mantine-radius-sm)', background: h.id === selected ? 'var(--mantine-color-gray-1)' : undefined }}
                  >
                    <Group gap="xs" wrap="nowrap">
                      <Badge size="xs" variant="dot" color={failed ? 'red' : 'green'} w={64}>
                        {h.role}
                      </Badge>
                      <Text size="sm" ff="monospace" truncate style={{ flex: 1 }}>
                        {h.commands.map(formatCommand).join(' ⏎ ')}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {h.duration_ms !== undefined ? formatMs(h.duration_ms) : 'failed'} · {h.at.toLocaleTimeString()}
                      </Text>
                    </Group>
                  </UnstyledButton>
                );
              })}
            </Stack>
          </ScrollArea.Autosize>
        </>
      )}
    </Card>
  );
}
