/**
 * One guided migration run: a stepper that walks the runbook (setup → prepare → review →
 * approve → execute → traffic → accept & complete → rollback window), the panel of the
 * chosen step, the run-wide actions (roll back, retry, cancel, close, delete), and below the live
 * event feed and the transition history.
 *
 * Roles: everyone sees every panel; approvers get acknowledge / approve, operators the
 * rest (useCan). The server checks again on every request.
 */
'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { Alert, Badge, Button, Card, Group, Stack, Stepper, Tabs, Text } from '@mantine/core';
import { IconAlertTriangle, IconArchive, IconArrowBackUp, IconRefresh } from '@tabler/icons-react';
import { ConfirmButton, ErrorAlert, PageHeader, PageLoader } from '@/components/ui';
import { useCan, useMe } from '@/lib/client/auth';
import { formatDateTime } from '@/lib/client/format';
import { canRollback, currentStep, RUNBOOK_STEPS, SETUP_EDITABLE, stepIndex, type RunbookStep, type RunView } from '@/lib/client/migration-types';
import { AcceptancePanel } from './AcceptancePanel';
import { ExecutionDashboard } from './ExecutionDashboard';
import { useCloseRun, useDeleteRun, useRollback, useRun, useRunAction } from './hooks';
import { ApprovePanel, PreparePanel, ReviewPanel } from './ReviewPanels';
import { EventFeed, RunHistory, WindowPanel } from './RunActivity';
import { RunStateBadge } from './RunStateBadge';
import { SetupForm } from './SetupForm';
import { TrafficPanel } from './TrafficPanel';
import { TypeToConfirm } from './TypeToConfirm';

function RunActions({ run }: { run: RunView }) {
  const router = useRouter();
  const canOperate = useCan('operate');
  const { data: me } = useMe();
  const action = useRunAction(run.id);
  const rollback = useRollback(run.id);
  const del = useDeleteRun(run.id);
  const closeRun = useCloseRun(run.id);
  const mayRollback = canOperate || (me !== undefined && me.user.username === run.setup?.rollback_approver);
  return (
    <Group gap="xs">
      {canOperate && run.state === 'failed' && run.failure?.retryable && (
        <Button leftSection={<IconRefresh size={16} />} loading={action.isPending} onClick={() => action.mutate({ action: 'retry' })} data-testid="retry-run">
          Retry
        </Button>
      )}
      {mayRollback && canRollback(run.state) && (
        <TypeToConfirm
          color="red"
          variant="light"
          leftSection={<IconArrowBackUp size={16} />}
          title={`Roll back “${run.name}”?`}
          message="Traffic returns to the source stage by stage (target primary → dual write → source). Writes made on the target meanwhile were mirrored back, so none is lost; the source is then verified and the outcome recorded."
          phrase={run.name}
          confirmLabel="Roll back"
          withReason
          onConfirm={(reason) => rollback.mutateAsync({ reason })}
          data-testid="rollback-run"
        >
          Roll back
        </TypeToConfirm>
      )}
      {canOperate && run.allowed_events.includes('cancel') && (
        <ConfirmButton
          variant="default"
          color="gray"
          title="Close this run without migrating?"
          message="No data has moved yet. The run is closed and kept for the record; a closed run cannot be reopened."
          confirmLabel="Close run"
          onConfirm={() => action.mutateAsync({ action: 'cancel' })}
          data-testid="cancel-run"
        >
          Close run
        </ConfirmButton>
      )}
      {canOperate && run.allowed_events.includes('close') && (
        <TypeToConfirm
          color={run.state === 'completed' ? 'orange' : 'gray'}
          variant="default"
          leftSection={<IconArchive size={16} />}
          title={run.state === 'completed' ? `End the rollback window of “${run.name}” now?` : `Close “${run.name}”?`}
          message={
            run.state === 'completed'
              ? 'The source stops being written and the run closes: no rollback is possible after this. Its endpoints and interlay can then be changed or deleted.'
              : 'The run is filed away for the record; its endpoints and interlay can then be changed or deleted. A closed run cannot be reopened.'
          }
          phrase={run.name}
          confirmLabel={run.state === 'completed' ? 'End the window and close' : 'Close run'}
          withReason
          onConfirm={(reason) => closeRun.mutateAsync({ reason })}
          data-testid="close-run"
        >
          {run.state === 'completed' ? 'End rollback window' : 'Close run'}
        </TypeToConfirm>
      )}
      {canOperate && run.state === 'draft' && (
        <ConfirmButton
          title="Delete this draft?"
          message="The draft and its history are removed."
          confirmLabel="Delete"
          onConfirm={async () => {
            await del.mutateAsync();
            router.push('/migrations');
          }}
          data-testid="delete-run"
        >
          Delete
        </ConfirmButton>
      )}
    </Group>
  );
}

function StepPanel({ run, step }: { run: RunView; step: RunbookStep }) {
  const canOperate = useCan('operate');
  switch (step) {
    case 'setup':
      return <SetupForm key={run.setup_hash ?? run.version} run={run} editable={canOperate && SETUP_EDITABLE.includes(run.state)} />;
    case 'prepare':
      return <PreparePanel run={run} />;
    case 'review':
      return <ReviewPanel run={run} />;
    case 'approve':
      return <ApprovePanel run={run} />;
    case 'execute':
      return <ExecutionDashboard run={run} />;
    case 'traffic':
      return <TrafficPanel run={run} />;
    case 'accept':
      return <AcceptancePanel run={run} />;
    case 'window':
      return <WindowPanel run={run} />;
  }
}

function RunStepper({ run }: { run: RunView }) {
  const current = currentStep(run.state, run.return_to);
  // The approve panel is part of the review, and acceptance may be checked while traffic moves:
  // reachable as soon as there is something to approve or verify.
  const ahead: Partial<Record<RunView['state'], RunbookStep>> = { awaiting_review: 'approve', synced: 'accept', shifting: 'accept' };
  const reachable = Math.max(stepIndex(current), stepIndex(ahead[run.state] ?? 'setup'));
  // Until someone picks a step, the panel follows the run; a pick holds (on-call watching the
  // dashboard is not moved away when the run gets in sync), until the next pick.
  const [chosen, setChosen] = useState<RunbookStep | null>(null);
  const shown = chosen ?? current;
  const finished = run.state === 'closed';
  const active = finished ? RUNBOOK_STEPS.length : stepIndex(current);
  const failedAt = run.state === 'failed' ? active : -1;
  return (
    <Stack gap="md">
      <Stepper
        active={active}
        onStepClick={(i) => setChosen(RUNBOOK_STEPS[i]!.key)}
        size="xs"
        iconSize={26}
        allowNextStepsSelect={false}
        data-testid="run-stepper"
      >
        {RUNBOOK_STEPS.map((s, i) => (
          <Stepper.Step
            key={s.key}
            label={s.label}
            allowStepSelect={i <= reachable}
            color={i === failedAt ? 'red' : undefined}
            data-testid={`step-${s.key}`}
            data-shown={s.key === shown || undefined}
          />
        ))}
      </Stepper>
      <Card withBorder padding="lg" data-testid={`panel-${shown}`}>
        <Group gap="xs" mb="sm" align="baseline">
          <Text fw={600}>{RUNBOOK_STEPS[stepIndex(shown)]!.label}</Text>
          <Text size="sm" c="dimmed">
            {RUNBOOK_STEPS[stepIndex(shown)]!.description}
          </Text>
        </Group>
        <StepPanel run={run} step={shown} />
      </Card>
    </Stack>
  );
}

export function RunPage({ id }: { id: string }) {
  const { data: run, error, isLoading } = useRun(id);
  if (isLoading) return <PageLoader />;
  if (!run) return <ErrorAlert error={error} />;
  const s = run.setup;
  return (
    <>
      <PageHeader
        title={run.name}
        breadcrumbs={[{ label: 'Guided migrations', href: '/migrations' }, { label: run.name }]}
        badges={
          <Group gap="xs">
            <RunStateBadge state={run.state} returnTo={run.return_to} />
            {run.phase && (
              <Badge variant="outline" color="gray" data-testid="run-phase">
                {run.phase}
              </Badge>
            )}
          </Group>
        }
        description={
          s
            ? `${s.source} → ${s.target}${s.mirror_targets.length ? ` (+ ${s.mirror_targets.join(', ')})` : ''} through ${s.interlay} · ${s.strategy.type.replace(/_/g, ' ')} · ${s.data_movement.replace(/_/g, ' ')} · created ${formatDateTime(run.created_at)} by ${run.created_by}`
            : `Draft created ${formatDateTime(run.created_at)} by ${run.created_by}: submit the setup to begin.`
        }
        actions={<RunActions run={run} />}
      />
      <Stack gap="md">
        <ErrorAlert error={error} />
        {run.failure && run.state === 'failed' && (
          <Alert color="red" icon={<IconAlertTriangle size={18} />} title={`Failed while ${run.failure.in_state.replace(/_/g, ' ')}`} data-testid="run-failure">
            {run.failure.reason} ({formatDateTime(run.failure.at)}). {run.failure.retryable ? 'Retry continues where it stopped.' : 'This failure cannot be retried; roll back or close the run.'}
          </Alert>
        )}
        <RunStepper run={run} />
        <Card withBorder padding="md">
          <Tabs defaultValue="events" keepMounted={false}>
            <Tabs.List mb="sm">
              <Tabs.Tab value="events" data-testid="tab-events">
                Events
              </Tabs.Tab>
              <Tabs.Tab value="history" data-testid="tab-history">
                History
              </Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="events">
              <EventFeed runId={run.id} />
            </Tabs.Panel>
            <Tabs.Panel value="history">
              <RunHistory runId={run.id} />
            </Tabs.Panel>
          </Tabs>
        </Card>
      </Stack>
    </>
  );
}
