/**
 * Acceptance before completion: the verification pass (differences against the threshold),
 * the keys it found different, the mirror lag, the error keys (resolved, or accepted with a note), the operator's
 * confirmation, the optional second approver's sign-off, and Complete behind type-to-confirm.
 */
'use client';

import { useState } from 'react';
import { Alert, Badge, Button, Card, Checkbox, Group, Loader, Stack, Table, Text, Textarea, Title } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconSearch } from '@tabler/icons-react';
import { ConfirmButton, ErrorAlert } from '@/components/ui';
import { useVerification } from '@/components/copy-jobs/hooks';
import { MismatchTable } from '@/components/copy-jobs/VerificationPanel';
import { useCan, useMe } from '@/lib/client/auth';
import { formatDateTime, formatMs, formatNumber } from '@/lib/client/format';
import type { RunView } from '@/lib/client/migration-types';
import { RunErrorKeys } from './ExecutionDashboard';
import { useAcceptance, useAcceptanceAction, useApproveCompletion, useComplete } from './hooks';
import { TypeToConfirm } from './TypeToConfirm';

const ACCEPTING_FROM = ['synced', 'shifting', 'accepting'];

/** The keys the acceptance verification found different (the copy job's verification). */
function Differences({ jobId, verificationId, targets }: { jobId: string; verificationId: string; targets: string[] }) {
  const v = useVerification(jobId, verificationId);
  if (!v.data) return <ErrorAlert error={v.error} />;
  return (
    <Stack gap={4} data-testid="acceptance-mismatches">
      <Text size="sm" fw={500}>
        Differences
      </Text>
      <MismatchTable items={v.data.mismatches} targets={targets} />
    </Stack>
  );
}

export function AcceptancePanel({ run }: { run: RunView }) {
  const canOperate = useCan('operate');
  const canApprove = useCan('approve');
  const { data: me } = useMe();
  const acceptance = useAcceptance(run.id, ACCEPTING_FROM.includes(run.state) || run.acceptance !== null);
  const act = useAcceptanceAction(run.id);
  const approveCompletion = useApproveCompletion(run.id);
  const complete = useComplete(run.id);
  const [acceptKeys, setAcceptKeys] = useState(false);
  const [note, setNote] = useState('');
  const a = acceptance.data ?? run.acceptance;
  const verifying = a?.verification_status === 'running';
  const needsSecond = Boolean(run.setup?.completion_second_approver);
  const secondOk = !needsSecond || Boolean(run.completion_approved_by);
  const open = ACCEPTING_FROM.includes(run.state);
  const errorKeysOpen = (a?.error_keys_unresolved ?? 0) > 0 && !a?.error_keys_accepted;

  return (
    <Stack gap="md" data-testid="acceptance-panel">
      <Text size="sm">
        The target is accepted when a verification finds at most {run.setup?.acceptance.max_differences ?? 0} differences, the mirror lag is below{' '}
        {formatMs(run.setup?.acceptance.max_mirror_lag_ms ?? null)}, and every error key is resolved or explicitly accepted; then an operator confirms.
      </Text>
      {open && canOperate && (
        <Group>
          <Button leftSection={verifying ? <Loader size="xs" /> : <IconSearch size={16} />} disabled={verifying} loading={act.isPending && act.variables?.action === 'verify'} onClick={() => act.mutate({ action: 'verify' })} data-testid="acceptance-verify">
            {a?.verification_id ? 'Verify again' : 'Run verification'}
          </Button>
        </Group>
      )}
      <ErrorAlert error={act.error ?? acceptance.error} />
      {a && (
        <Card withBorder padding="md">
          <Stack gap="xs">
            <Group gap="sm">
              <Title order={5}>Criteria</Title>
              <Badge color={a.met ? 'green' : 'yellow'} data-testid="acceptance-met">
                {a.met ? 'met' : 'not met'}
              </Badge>
            </Group>
            <Table fz="sm" data-testid="acceptance-checks">
              <Table.Tbody>
                {a.checks.map((c) => (
                  <Table.Tr key={c.name} data-testid={`acceptance-check-${c.name}`}>
                    <Table.Td w={28}>{c.ok ? <IconCircleCheck size={18} color="var(--mantine-color-green-6)" /> : <IconCircleX size={18} color="var(--mantine-color-red-6)" />}</Table.Td>
                    <Table.Td w={160}>{c.name.replace(/_/g, ' ')}</Table.Td>
                    <Table.Td>{c.detail}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group gap="xl">
              <Text size="sm">
                Verification: <b>{a.verification_status ?? 'not run'}</b>
              </Text>
              <Text size="sm" data-testid="acceptance-differences">
                Differences: <b>{a.differences === null ? '—' : formatNumber(a.differences)}</b>
              </Text>
              <Text size="sm">
                Mirror lag: <b>{formatMs(a.mirror_lag_ms)}</b>
              </Text>
              <Text size="sm">
                Unresolved error keys: <b>{formatNumber(a.error_keys_unresolved)}</b>
              </Text>
            </Group>
            {run.copy_job_id && a.verification_id && a.differences ? <Differences jobId={run.copy_job_id} verificationId={a.verification_id} targets={run.setup ? [run.setup.target, ...run.setup.mirror_targets] : []} /> : null}
            {a.error_keys_accepted && (
              <Text size="sm">
                Error keys accepted by {a.error_keys_accepted.by} on {formatDateTime(a.error_keys_accepted.at)}: “{a.error_keys_accepted.note}”
              </Text>
            )}
            {a.confirmed_by && (
              <Alert color="green" data-testid="acceptance-confirmed">
                Accepted by {a.confirmed_by} on {formatDateTime(a.confirmed_at)}.
              </Alert>
            )}
          </Stack>
        </Card>
      )}
      {a && open && canOperate && !a.confirmed_by && (
        <Card withBorder padding="md">
          <Stack gap="sm">
            <Title order={5}>Operator confirmation</Title>
            {errorKeysOpen && (
              <Checkbox label="Accept the unresolved error keys as they are" description="They stay missing or different on the target; say why below." checked={acceptKeys} onChange={(e) => setAcceptKeys(e.currentTarget.checked)} data-testid="acceptance-accept-keys" />
            )}
            <Textarea label="Note" description={acceptKeys ? 'Why the error keys are acceptable (required)' : 'Optional'} autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} data-testid="acceptance-note" />
            <Group>
              <ConfirmButton
                color="green"
                variant="filled"
                title="Confirm the target is accepted?"
                message="You confirm the target holds the data and serves correctly. Completion becomes possible."
                confirmLabel="Confirm acceptance"
                disabled={!a.met && !(acceptKeys && note.trim())}
                onConfirm={() => act.mutateAsync({ action: 'confirm', ...(acceptKeys ? { accept_error_keys: true } : {}), ...(note.trim() ? { note: note.trim() } : {}) })}
                data-testid="acceptance-confirm"
              >
                Confirm acceptance
              </ConfirmButton>
            </Group>
          </Stack>
        </Card>
      )}
      {needsSecond && run.state === 'accepting' && (
        <Card withBorder padding="md" data-testid="completion-approval">
          <Stack gap="xs">
            <Title order={5}>Second approval</Title>
            {run.completion_approved_by ? (
              <Text size="sm">Completion approved by {run.completion_approved_by}.</Text>
            ) : canApprove && me?.user.username !== run.approved_by ? (
              <Group>
                <ConfirmButton color="green" title="Approve completion?" message="As the second approver you agree the run may complete." confirmLabel="Approve completion" onConfirm={() => approveCompletion.mutateAsync({})} data-testid="approve-completion">
                  Approve completion
                </ConfirmButton>
              </Group>
            ) : (
              <Text size="sm" c="dimmed">
                An approver other than {run.approved_by} has to approve completion.
              </Text>
            )}
          </Stack>
        </Card>
      )}
      {run.state === 'accepting' && canOperate && (
        <Group>
          <TypeToConfirm
            color="green"
            variant="filled"
            title={`Complete “${run.name}”?`}
            message={`The target becomes the primary for good. The source is kept in sync until the rollback window (${run.setup?.rollback_window.minutes !== undefined ? `${run.setup.rollback_window.minutes} min` : `${run.setup?.rollback_window.seconds ?? 0} s`}) ends; a rollback is possible until then.`}
            phrase={run.name}
            confirmLabel="Complete"
            disabled={!a?.confirmed_by || !secondOk}
            onConfirm={() => complete.mutateAsync({})}
            data-testid="complete-run"
          >
            Complete
          </TypeToConfirm>
        </Group>
      )}
      <RunErrorKeys run={run} />
    </Stack>
  );
}
