/**
 * A button for the run's irreversible steps (complete, roll back): its modal says what
 * will happen and enables the action only once the user typed the run's name, so a click
 * in the wrong tab cannot move production traffic. A reason, when asked for, is required and recorded.
 */
'use client';

import { useState, type ReactNode } from 'react';
import { Button, Group, Modal, Stack, Text, Textarea, TextInput, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ErrorAlert } from '@/components/ui';

export interface TypeToConfirmProps extends Omit<ButtonProps, 'onClick'> {
  children: ReactNode;
  title: ReactNode;
  /** What will happen, in plain words. */
  message: ReactNode;
  /** The text the user must type (the run's name). */
  phrase: string;
  confirmLabel: string;
  /** Ask for a reason (required; recorded with the transition). */
  withReason?: boolean;
  onConfirm: (reason: string) => Promise<unknown>;
  'data-testid'?: string;
}

export function TypeToConfirm({ children, title, message, phrase, confirmLabel, withReason, onConfirm, color = 'red', ...rest }: TypeToConfirmProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [typed, setTyped] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const testId = rest['data-testid'];

  const reset = () => {
    setTyped('');
    setReason('');
    setError(null);
    close();
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm(reason.trim());
      reset();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button color={color} {...rest} onClick={open}>
        {children}
      </Button>
      <Modal opened={opened} onClose={busy ? () => {} : reset} title={<Text fw={600}>{title}</Text>} centered>
        <Stack gap="md">
          <Text size="sm">{message}</Text>
          {withReason && <Textarea label="Reason" description="Recorded in the run's history and the audit log" autosize minRows={2} value={reason} onChange={(e) => setReason(e.currentTarget.value)} data-testid={testId && `${testId}-reason`} />}
          <TextInput
            label={
              <>
                Type <b>{phrase}</b> to confirm
              </>
            }
            value={typed}
            onChange={(e) => setTyped(e.currentTarget.value)}
            autoComplete="off"
            data-testid={testId && `${testId}-phrase`}
          />
          <ErrorAlert error={error} />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={reset} disabled={busy}>
              Cancel
            </Button>
            <Button color={color} loading={busy} disabled={typed.trim() !== phrase || (withReason && !reason.trim())} onClick={() => void confirm()} data-testid={testId && `${testId}-confirm`}>
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
