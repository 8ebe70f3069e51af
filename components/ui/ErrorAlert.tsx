/**
 * Shows an error from a query or mutation: the ApiError's user-facing message, and the
 * field issues that no form input displayed (pass them as `issues`).
 */
'use client';

import { Alert, List, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { ApiError, errorMessage, type ApiIssue } from '@/lib/client/api';

export interface ErrorAlertProps {
  error: unknown;
  title?: string;
  /** Issues to list under the message; defaults to none (forms show theirs on fields). */
  issues?: ApiIssue[];
  onClose?: () => void;
  mb?: string;
}

export function ErrorAlert({ error, title, issues, onClose, mb }: ErrorAlertProps) {
  if (!error) return null;
  const status = error instanceof ApiError ? error.status : undefined;
  const heading =
    title ??
    (status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : status === 409 ? 'Conflict' : status === 400 ? 'Please check the input' : 'Something went wrong');
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle size={18} />}
      title={heading}
      withCloseButton={!!onClose}
      onClose={onClose}
      mb={mb}
      role="alert"
      data-testid="error-alert"
    >
      <Text size="sm">{errorMessage(error)}</Text>
      {issues && issues.length > 0 && (
        <List size="sm" mt="xs" spacing={2}>
          {issues.map((i) => (
            <List.Item key={i.path + i.message}>
              <Text span ff="monospace" size="xs">
                {i.path}
              </Text>
              : {i.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
