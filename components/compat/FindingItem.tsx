/**
 * One compatibility finding in an accordion (severity, title, evidence, remediation, who
 * acknowledged it and why) and the acknowledge dialog with notes. Shared by the report page
 * and a guided migration's review step, which acknowledge through their own routes.
 */
'use client';

import { useState } from 'react';
import { Accordion, Alert, Badge, Button, Group, Modal, Stack, Text, Textarea } from '@mantine/core';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { notifySuccess } from '@/components/ui/notify';
import { formatDateTime } from '@/lib/client/format';
import type { FindingView } from '@/lib/compat/service';
import { Evidence } from './Evidence';
import { SeverityBadge } from './SeverityBadge';

export interface FindingItemProps {
  f: FindingView;
  /** Show the acknowledge button (the caller knows the role and the report's state). */
  ackable: boolean;
  onAck: () => void;
  /** What to do about a blocking finding, e.g. "fix and re-run". */
  blockingHint: string;
}

export function FindingItem({ f, ackable, onAck, blockingHint }: FindingItemProps) {
  return (
    <Accordion.Item value={f.check} data-testid={`finding-${f.check}`}>
      <Accordion.Control>
        <Group gap="sm" wrap="nowrap">
          <SeverityBadge severity={f.severity} />
          <Text size="sm" ff="monospace" c="dimmed">
            {f.check}
          </Text>
          <Text size="sm" fw={500} style={{ flex: 1 }}>
            {f.title}
          </Text>
          {f.acknowledged && (
            <Badge color="green" variant="outline" data-testid={`finding-${f.check}-acknowledged`}>
              acknowledged
            </Badge>
          )}
        </Group>
      </Accordion.Control>
      <Accordion.Panel>
        <Stack gap="sm">
          <Evidence evidence={f.evidence} />
          {f.remediation && (
            <Alert color={f.severity === 'blocking' ? 'red' : 'gray'} variant="light" title="Remediation">
              {f.remediation}
            </Alert>
          )}
          {f.acknowledged && (
            <Text size="sm">
              Acknowledged by <b>{f.acknowledged.by}</b> on {formatDateTime(f.acknowledged.at)}: “{f.acknowledged.notes}”
            </Text>
          )}
          {f.severity === 'blocking' && (
            <Text size="sm" c="red" data-testid={`finding-${f.check}-fix`}>
              Blocking findings cannot be acknowledged: {blockingHint}.
            </Text>
          )}
          {ackable && (
            <Group>
              <Button size="xs" variant="light" onClick={onAck} data-testid={`finding-${f.check}-ack`}>
                {f.acknowledged ? 'Update acknowledgement' : 'Acknowledge'}
              </Button>
            </Group>
          )}
        </Stack>
      </Accordion.Panel>
    </Accordion.Item>
  );
}

export interface AcknowledgeModalProps {
  finding: FindingView | null;
  onClose: () => void;
  /** Sends the acknowledgement; a rejection is shown in the dialog. */
  acknowledge: (check: string, notes: string) => Promise<unknown>;
}

export function AcknowledgeModal({ finding, onClose, acknowledge }: AcknowledgeModalProps) {
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setNotes('');
    setError(null);
    onClose();
  };
  const submit = async () => {
    if (!finding) return;
    setBusy(true);
    setError(null);
    try {
      await acknowledge(finding.check, notes.trim());
      notifySuccess('Finding acknowledged');
      close();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={finding !== null} onClose={close} title={`Acknowledge "${finding?.check}"`}>
      <Stack>
        <Text size="sm">{finding?.title}</Text>
        <Textarea label="Notes" description="Why this is acceptable for the migration" autosize minRows={3} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} data-testid="ack-notes" />
        <ErrorAlert error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={close}>
            Cancel
          </Button>
          <Button loading={busy} disabled={!notes.trim()} onClick={() => void submit()} data-testid="ack-submit">
            Acknowledge
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
