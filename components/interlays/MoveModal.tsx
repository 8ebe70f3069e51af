/**
 * The confirmation of a stage move: what the move does (who serves reads and writes, which
 * way writes are mirrored, whether it is a rollback), then PUT /routing with the new stage.
 * When the server refuses it (409: the target is not known to be in sync, or the move
 * leaves stage `target`), the modal shows the server's reason and offers a forced move,
 * which needs a reason that goes on the record.
 */
'use client';

import { useState } from 'react';
import { Alert, Badge, Button, Group, List, Modal, Stack, Text, Textarea } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { isApiError } from '@/lib/client/api';
import { describeMove, STAGE_LABEL, type Stage } from '@/lib/client/interlay-routing';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { useSetRouting, type RoutingView } from './hooks';

export function MoveModal({ interlayId, routing, from, to, onClose }: { interlayId: string; routing: RoutingView; from: Stage; to: Stage; onClose: () => void }) {
  const move = useSetRouting(interlayId);
  const [reason, setReason] = useState('');
  const summary = describeMove(from, to, { canaryPercent: routing.canary_percent, target: routing.target, inSync: routing.sync.in_sync });
  const refused = isApiError(move.error) && move.error.status === 409;
  const needsTarget = to !== 'source' && routing.target === null;

  const submit = (force: boolean) =>
    move.mutate(force ? { stage: to, force: true, reason: reason.trim() } : { stage: to }, {
      onSuccess: onClose,
    });

  return (
    <Modal
      opened
      onClose={move.isPending ? () => {} : onClose}
      centered
      size="lg"
      title={
        <Group gap="xs">
          <Text fw={600}>
            Move to {STAGE_LABEL[to]}?
          </Text>
          {summary.rollback && (
            <Badge color="orange" variant="light">
              rollback
            </Badge>
          )}
        </Group>
      }
    >
      <Stack gap="md" data-testid="move-modal">
        <Text size="sm">
          From <b>{from}</b> to <b>{to}</b>
          {routing.target ? (
            <>
              {' '}
              (target <b>{routing.target}</b>
              {routing.mirrors.length > 0 && <>, mirror targets {routing.mirrors.join(', ')}</>})
            </>
          ) : null}
          :
        </Text>
        <List size="sm" spacing={4}>
          {summary.lines.map((l) => (
            <List.Item key={l}>{l}</List.Item>
          ))}
        </List>
        {summary.warning && !refused && (
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
            {summary.warning}
          </Alert>
        )}
        {needsTarget && <Alert color="red">Choose a target endpoint and save the routing first: this stage mirrors writes to it.</Alert>}
        {refused ? (
          <>
            <Alert color="red" variant="light" title="The server refused the move" data-testid="move-refused">
              {move.error?.message}
            </Alert>
            <Textarea
              label="Reason for forcing the move"
              description="Recorded with the move in the audit log."
              required
              autosize
              minRows={2}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              data-testid="move-reason"
            />
          </>
        ) : (
          <ErrorAlert error={move.error} />
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose} disabled={move.isPending}>
            Cancel
          </Button>
          {refused ? (
            <Button color="red" onClick={() => submit(true)} disabled={!reason.trim()} loading={move.isPending} data-testid="move-force">
              Force the move
            </Button>
          ) : (
            <Button color={summary.rollback ? 'orange' : 'blue'} onClick={() => submit(false)} disabled={needsTarget} loading={move.isPending} data-testid="move-confirm">
              Move to {STAGE_LABEL[to]}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
