/**
 * The runbook's checks and sign-off: Prepare (run the compatibility checks, analysis and
 * test run, with the report's live phase from its room), Review (findings with evidence,
 * acknowledge with notes, analysis charts, test-run output) and Approve (why approval is
 * refused, or approve with a confirmation saying what gets frozen), and the start of
 * execution once approved.
 */
'use client';

import { useState } from 'react';
import { Accordion, Alert, Button, Card, Group, List, Loader, Progress, SimpleGrid, Stack, Tabs, Text, Textarea, Title } from '@mantine/core';
import { IconPlayerPlay, IconShieldCheck } from '@tabler/icons-react';
import { ConfirmButton, ErrorAlert, StatCard } from '@/components/ui';
import { AnalysisView } from '@/components/compat/AnalysisView';
import { AcknowledgeModal, FindingItem } from '@/components/compat/FindingItem';
import { TestRunView } from '@/components/compat/ReportDetail';
import { useRunPhase } from '@/components/compat/hooks';
import { useCan, useMe } from '@/lib/client/auth';
import { formatDateTime } from '@/lib/client/format';
import type { FindingView } from '@/lib/compat/service';
import type { ChecksView, RunView } from '@/lib/client/migration-types';
import { useAcknowledge, useApprove, useChecks, useRunAction } from './hooks';

/** The phases a compatibility run goes through (its room's `compat-report:progress`). */
const PREPARE_PHASES = ['gathering', 'checks', 'test-run', 'done'] as const;
const SEVERITY_ORDER = ['blocking', 'warning', 'info', 'pass'] as const;

function ChecksSummary({ checks }: { checks: ChecksView }) {
  const s = checks.summary;
  if (!s) return null;
  return (
    <SimpleGrid cols={{ base: 2, md: 5 }} data-testid="checks-summary">
      <StatCard label="Blocking" value={String(s.blocking)} testId="checks-blocking" />
      <StatCard label="Warnings" value={String(s.warning)} testId="checks-warnings" />
      <StatCard label="Unacknowledged" value={String(s.unacknowledged_warnings)} testId="checks-unacknowledged" />
      <StatCard label="Info" value={String(s.info)} />
      <StatCard label="Passed" value={String(s.pass)} />
    </SimpleGrid>
  );
}

export function PreparePanel({ run }: { run: RunView }) {
  const canOperate = useCan('operate');
  const action = useRunAction(run.id);
  const preparing = run.state === 'preparing';
  const phase = useRunPhase(run.report_id ?? '', preparing && Boolean(run.report_id));
  const checks = useChecks(run.id, Boolean(run.report_id) && !preparing);
  const canPrepare = run.allowed_events.includes('prepare');
  const at = phase ? PREPARE_PHASES.indexOf(phase as (typeof PREPARE_PHASES)[number]) : -1;
  return (
    <Stack gap="md" data-testid="prepare-panel">
      <Text size="sm">
        Prepare runs the compatibility checks on the source, target, mirror targets and interlay, analyses the keyspace and the workload through the interlay, and
        copies a sample of keys to the target and back out (the test run). Approvers review the result next.
      </Text>
      {canOperate && canPrepare && (
        <Group>
          <Button leftSection={<IconPlayerPlay size={16} />} loading={action.isPending} onClick={() => action.mutate({ action: 'prepare' })} data-testid="prepare-run">
            {run.report_id ? 'Prepare again' : 'Prepare'}
          </Button>
        </Group>
      )}
      <ErrorAlert error={action.error} />
      {preparing && (
        <Alert color="blue" icon={<Loader size="xs" />} title="Preparing" data-testid="prepare-progress">
          <Stack gap={6}>
            <Text size="sm">{phase ? `Phase: ${phase.replace('-', ' ')}` : 'Starting the checks…'}</Text>
            <Progress value={((at + 1) / PREPARE_PHASES.length) * 100} striped animated />
            <Text size="xs" c="dimmed">
              Phases: {PREPARE_PHASES.join(' → ')}
            </Text>
          </Stack>
        </Alert>
      )}
      {checks.data && <ChecksSummary checks={checks.data} />}
      {checks.data?.report?.status === 'failed' && (
        <Alert color="red" title="The checks could not run">
          {checks.data.report.error}
        </Alert>
      )}
    </Stack>
  );
}

export function ReviewPanel({ run }: { run: RunView }) {
  const checks = useChecks(run.id, Boolean(run.report_id));
  const canApprove = useCan('approve');
  const ack = useAcknowledge(run.id);
  const [acking, setAcking] = useState<FindingView | null>(null);
  if (!run.report_id) return <Text c="dimmed">Nothing to review yet: the run has not been prepared.</Text>;
  const c = checks.data;
  if (!c) return <ErrorAlert error={checks.error} />;
  const findings = [...c.findings].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
  const open = findings.filter((f) => f.severity === 'blocking' || f.severity === 'warning').map((f) => f.check);
  const canAck = canApprove && run.state === 'awaiting_review';
  return (
    <Stack gap="md" data-testid="review-panel">
      <ChecksSummary checks={c} />
      <Tabs defaultValue="findings" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="findings">Findings ({findings.length})</Tabs.Tab>
          <Tabs.Tab value="analysis" data-testid="review-tab-analysis">
            Analysis
          </Tabs.Tab>
          <Tabs.Tab value="test-run" data-testid="review-tab-test-run">
            Test run
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="findings">
          <Accordion variant="separated" multiple defaultValue={open}>
            {findings.map((f) => (
              <FindingItem key={f.check} f={f} ackable={canAck && f.severity === 'warning'} onAck={() => setAcking(f)} blockingHint="fix the cause, then prepare again" />
            ))}
          </Accordion>
        </Tabs.Panel>
        <Tabs.Panel value="analysis">{c.analysis ? <AnalysisView analysis={c.analysis} /> : <Text c="dimmed">No analysis.</Text>}</Tabs.Panel>
        <Tabs.Panel value="test-run">{c.test_run ? <TestRunView t={c.test_run} /> : <Text c="dimmed">No test run in this report.</Text>}</Tabs.Panel>
      </Tabs>
      <AcknowledgeModal finding={acking} onClose={() => setAcking(null)} acknowledge={(check, notes) => ack.mutateAsync({ check, notes })} />
    </Stack>
  );
}

/** What approval freezes, in the confirmation. */
function setupLine(run: RunView): string {
  const s = run.setup;
  if (!s) return '';
  return `${s.source} → ${s.target}${s.mirror_targets.length ? ` (+ ${s.mirror_targets.join(', ')})` : ''} through ${s.interlay}; ${s.strategy.type.replace(/_/g, ' ')}, ${s.data_movement.replace(/_/g, ' ')}, conflict policy ${s.conflict_policy}, ${s.write_consistency}`;
}

function ApprovedAlert({ run }: { run: RunView }) {
  return (
    <Alert color="green" icon={<IconShieldCheck size={18} />} title="Approved" data-testid="approved-by">
      Approved by {run.approved_by} on {formatDateTime(run.approved_at)}. The setup is frozen: {setupLine(run)}.
    </Alert>
  );
}

/** The approved run before its data moves: who approved, and the operator's start button. */
export function StartExecution({ run }: { run: RunView }) {
  const canOperate = useCan('operate');
  const action = useRunAction(run.id);
  return (
    <Stack gap="md" data-testid="start-execution">
      <ApprovedAlert run={run} />
      {canOperate && (
        <Group>
          <ConfirmButton
            color="blue"
            variant="filled"
            title="Start the data movement?"
            message={
              run.setup?.data_movement === 'mirror_only'
                ? 'The interlay starts mirroring every write to the target; clients keep being served by the source.'
                : run.setup?.data_movement === 'bulk_only'
                  ? 'The bulk copy starts; applications should have stopped writing to the source.'
                  : 'The interlay starts mirroring every write to the target and the bulk copy starts; clients keep being served by the source.'
            }
            confirmLabel="Start"
            onConfirm={() => action.mutateAsync({ action: 'execute' })}
            data-testid="execute-run"
          >
            Start execution
          </ConfirmButton>
        </Group>
      )}
    </Stack>
  );
}

export function ApprovePanel({ run }: { run: RunView }) {
  const canApprove = useCan('approve');
  const { data: me } = useMe();
  const checks = useChecks(run.id, Boolean(run.report_id));
  const approve = useApprove(run.id);
  const [note, setNote] = useState('');
  const blockers = checks.data?.blockers ?? [];
  const isSubmitter = me?.user.username === run.submitted_by;
  const awaiting = run.state === 'awaiting_review';
  return (
    <Stack gap="md" data-testid="approve-panel">
      {run.approved_by ? (
        <ApprovedAlert run={run} />
      ) : (
        <Text size="sm">
          An approver other than {run.submitted_by ?? 'the person who submitted the setup'} signs off the setup as it is: {setupLine(run)}.
        </Text>
      )}
      {awaiting && blockers.length > 0 && (
        <Alert color="orange" title="Approval is refused while" data-testid="approve-blockers">
          <List size="sm">
            {blockers.map((b) => (
              <List.Item key={b}>{b}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {awaiting && canApprove && isSubmitter && (
        <Alert color="gray" data-testid="approve-same-user">
          You submitted this setup, so another approver has to approve it.
        </Alert>
      )}
      {awaiting && canApprove && !isSubmitter && (
        <Card withBorder>
          <Stack gap="sm">
            <Title order={5}>Approve execution</Title>
            <Textarea label="Note (optional)" autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} data-testid="approve-note" />
            <Group>
              <ConfirmButton
                color="green"
                variant="filled"
                title="Approve this migration?"
                message={`Approving fixes the setup (${setupLine(run)}). Operators can then start the data movement; changing any setting needs a new approval.`}
                confirmLabel="Approve"
                disabled={!(checks.data?.approvable ?? false)}
                onConfirm={() => approve.mutateAsync(note.trim() ? { note: note.trim() } : {})}
                data-testid="approve-run"
              >
                Approve
              </ConfirmButton>
            </Group>
          </Stack>
        </Card>
      )}
    </Stack>
  );
}
