/**
 * Start / stop / edit / delete for one interlay, shown only to roles with `operate`.
 * Start on a busy port answers with status "failed" and the reason; it is shown as a
 * notification, and on the status badge's tooltip.
 */
'use client';

import { useState } from 'react';
import { ActionIcon, Button, Group, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPencil, IconPlayerPlay, IconPlayerStop, IconTrash } from '@tabler/icons-react';
import { useCan } from '@/lib/client/auth';
import { errorMessage } from '@/lib/client/api';
import { ConfirmButton } from '@/components/ui/ConfirmButton';
import { InterlayFormModal } from './InterlayForm';
import { useInterlayMutations, type InterlayView } from './hooks';

const ACTIVE = new Set(['starting', 'listening', 'draining']);

export function InterlayActions({ interlay, compact = false, onDeleted }: { interlay: InterlayView; compact?: boolean; onDeleted?: () => void }) {
  const canOperate = useCan('operate');
  const { start, stop, remove } = useInterlayMutations();
  const [editing, setEditing] = useState(false);
  if (!canOperate) return null;
  const running = ACTIVE.has(interlay.status);
  const started = interlay.desired_state === 'started' || running;
  const size = compact ? 'xs' : 'sm';

  const onStart = () =>
    start.mutate(interlay.id, {
      onSuccess: (v) => {
        if (v.status === 'failed') notifications.show({ color: 'red', title: `Interlay "${v.id}" could not start`, message: v.error ?? 'unknown error' });
      },
      onError: (e) => notifications.show({ color: 'red', title: 'Start failed', message: errorMessage(e) }),
    });
  const onStop = () =>
    stop.mutateAsync(interlay.id).catch((e) => {
      notifications.show({ color: 'red', title: 'Stop failed', message: errorMessage(e) });
    });

  return (
    <Group gap={6} wrap="nowrap">
      {!running && (
        <Button size={size} variant="light" color="green" leftSection={<IconPlayerPlay size={14} />} loading={start.isPending} onClick={onStart} data-testid="interlay-start">
          Start
        </Button>
      )}
      {started && (
        <ConfirmButton
          size={size}
          color="orange"
          leftSection={<IconPlayerStop size={14} />}
          title={`Stop interlay "${interlay.id}"?`}
          message="It stops accepting connections, lets in-flight commands finish (up to 10 s), then closes client connections. It stays stopped after a console restart."
          confirmLabel="Stop"
          onConfirm={onStop}
          data-testid="interlay-stop"
        >
          Stop
        </ConfirmButton>
      )}
      {compact ? (
        <Tooltip label="Edit" withArrow>
          <ActionIcon variant="subtle" onClick={() => setEditing(true)} aria-label="Edit interlay" data-testid="interlay-edit">
            <IconPencil size={16} />
          </ActionIcon>
        </Tooltip>
      ) : (
        <Button size={size} variant="default" leftSection={<IconPencil size={14} />} onClick={() => setEditing(true)} data-testid="interlay-edit">
          Edit
        </Button>
      )}
      {!started && (
        <ConfirmButton
          icon={compact ? <IconTrash size={16} /> : undefined}
          label="Delete"
          size={size}
          leftSection={<IconTrash size={14} />}
          title={`Delete interlay "${interlay.id}"?`}
          message="Its settings are removed. Clients must connect elsewhere."
          confirmLabel="Delete"
          onConfirm={async () => {
            await remove.mutateAsync(interlay.id);
            onDeleted?.();
          }}
          data-testid="interlay-delete"
        >
          Delete
        </ConfirmButton>
      )}
      <InterlayFormModal opened={editing} onClose={() => setEditing(false)} interlay={interlay} />
    </Group>
  );
}
