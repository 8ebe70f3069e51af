/**
 * Traffic controls of a run: the strategy's plan (lib/workflow/plan.ts on the server) as a
 * timeline, the current step, and next / previous buttons, each behind a confirmation that
 * says what clients will see after the move. A canary plan reads as its percentage steps,
 * blue/green as one switch, shadow as compare-only.
 */
'use client';

import { Alert, Group, Stack, Text, Timeline } from '@mantine/core';
import { IconArrowBackUp, IconArrowRight } from '@tabler/icons-react';
import { ConfirmButton } from '@/components/ui';
import { useCan } from '@/lib/client/auth';
import type { PlanStep, RunView, Stage } from '@/lib/client/migration-types';
import { useTraffic } from './hooks';

/** What clients get once the interlay is at a stage. */
export function stageEffect(step: Pick<PlanStep, 'stage' | 'canary_percent' | 'shadow_sample_rate'>): string {
  const stage: Stage = step.stage;
  switch (stage) {
    case 'source':
      return 'Clients are served by the source only; nothing is mirrored.';
    case 'dual_write':
      return 'Clients are served by the source; every write is mirrored to the target.';
    case 'shadow':
      return `Clients are served by the source; ${step.shadow_sample_rate !== undefined ? `${Math.round(step.shadow_sample_rate * 100)}% of ` : 'a sample of '}reads also run on the target and are compared.`;
    case 'canary':
      return `${step.canary_percent ?? '?'}% of reads are served by the target; writes go to the source and are mirrored to the target.`;
    case 'target_primary':
      return 'The target serves reads and writes; writes are mirrored back to the source, so a rollback loses nothing.';
    case 'target':
      return 'Only the target is used; the source is no longer written.';
  }
}

/** States in which the operator moves traffic. */
const MOVABLE = ['synced', 'shifting', 'accepting'];

export function TrafficPanel({ run }: { run: RunView }) {
  const canOperate = useCan('operate');
  const traffic = useTraffic(run.id);
  const { steps, current_step: current, stage } = run.traffic;
  const strategy = run.setup?.strategy.type;
  if (steps.length === 0) {
    return <Text c="dimmed">This run moves traffic once, at completion (offline bulk copy).</Text>;
  }
  const at = current ?? -1;
  const next = steps[at + 1];
  const prev = at > 0 ? steps[at - 1] : undefined;
  const movable = canOperate && MOVABLE.includes(run.state);
  const nextLabel = strategy === 'blue_green' && next?.stage === 'target_primary' ? 'Switch the active side to the target' : next ? `Next: ${next.label}` : '';
  return (
    <Stack gap="md" data-testid="traffic-panel">
      {strategy === 'shadow' && (
        <Alert color="gray">Shadow compares only: the target never serves clients. Completion reports the comparison.</Alert>
      )}
      <Text size="sm">
        Now: <b data-testid="traffic-stage">{stage ? `${stage.replace(/_/g, ' ')}${stage === 'canary' && current !== null && steps[current]?.canary_percent !== undefined ? ` ${steps[current]!.canary_percent}%` : ''}` : 'not routed yet'}</b>
        {current !== null && steps[current] ? ` — ${stageEffect(steps[current])}` : ''}
      </Text>
      <Timeline active={at} bulletSize={20} lineWidth={2} data-testid="traffic-plan">
        {steps.map((s) => (
          <Timeline.Item key={s.index} title={s.label} data-testid={`traffic-step-${s.index}`} data-current={s.index === at || undefined}>
            <Text size="xs" c="dimmed">
              {stageEffect(s)}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
      {movable && (
        <Group>
          {prev && (
            <ConfirmButton
              color="orange"
              variant="light"
              leftSection={<IconArrowBackUp size={16} />}
              title={`Move traffic back to “${prev.label}”?`}
              message={stageEffect(prev)}
              confirmLabel="Move back"
              onConfirm={() => traffic.mutateAsync({ step: prev.index })}
              data-testid="traffic-previous"
            >
              Back: {prev.label}
            </ConfirmButton>
          )}
          {next && (
            <ConfirmButton
              color="blue"
              variant="filled"
              leftSection={<IconArrowRight size={16} />}
              title={`${nextLabel}?`}
              message={stageEffect(next)}
              confirmLabel="Move traffic"
              onConfirm={() => traffic.mutateAsync({ step: next.index })}
              data-testid="traffic-next"
            >
              {nextLabel}
            </ConfirmButton>
          )}
        </Group>
      )}
      {!next && MOVABLE.includes(run.state) && <Text size="sm">Every traffic step is done: verify and accept the target next.</Text>}
    </Stack>
  );
}
