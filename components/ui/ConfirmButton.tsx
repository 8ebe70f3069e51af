/**
 * A button that asks before doing something destructive: opens a modal with the
 * consequences, runs `onConfirm` (may be async; the modal stays open with a spinner and
 * closes when it resolves, or shows the error when it rejects).
 */
'use client';

import { useState, type ReactNode } from 'react';
import { ActionIcon, Button, Group, Modal, Stack, Text, Tooltip, type ButtonProps } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { ErrorAlert } from './ErrorAlert';

export interface ConfirmButtonProps extends Omit<ButtonProps, 'onClick'> {
  children?: ReactNode;
  /** Modal title, e.g. `Delete endpoint "redis-source"?` */
  title: ReactNode;
  /** What will happen, in plain words. */
  message?: ReactNode;
  confirmLabel?: string;
  onConfirm: () => unknown | Promise<unknown>;
  /** Render as an icon button (with `label` as tooltip and aria-label). */
  icon?: ReactNode;
  label?: string;
  'data-testid'?: string;
}

export function ConfirmButton({ children, title, message, confirmLabel = 'Confirm', onConfirm, icon, label, color = 'red', disabled, ...rest }: ConfirmButtonProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const trigger = icon ? (
    <Tooltip label={label} withArrow>
      <ActionIcon variant="subtle" color={color} onClick={open} disabled={disabled} aria-label={label} data-testid={rest['data-testid']}>
        {icon}
      </ActionIcon>
    </Tooltip>
  ) : (
    <Button color={color} variant="light" {...rest} disabled={disabled} onClick={open}>
      {children}
    </Button>
  );

  return (
    <>
      {trigger}
      <Modal opened={opened} onClose={busy ? () => {} : close} title={<Text fw={600}>{title}</Text>} centered>
        <Stack gap="md">
          {message && <Text size="sm">{message}</Text>}
          <ErrorAlert error={error} />
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button color={color} loading={busy} onClick={() => void confirm()} data-testid="confirm-button">
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
