/**
 * The "Live migration" section of the interlay page: the traffic stage as a stepper (a
 * click opens MoveModal, which says what the move does before it is made), the routing
 * settings saved through PUT /routing (target, mirror targets, write-consistency policy,
 * canary share, shadow sample rate), and whether the target is known to be in sync.
 */
'use client';

import { useMemo, useState } from 'react';
import Link from 'next/link';
import { Anchor, Badge, Button, Card, Group, List, MultiSelect, Select, SimpleGrid, Slider, Stack, Stepper, Text, Title } from '@mantine/core';
import { useCan } from '@/lib/client/auth';
import { isApiError } from '@/lib/client/api';
import { formatDateTime } from '@/lib/client/format';
import { POLICY_TEXT, policyInStage, STAGE_HINT, STAGE_LABEL, STAGES, WRITE_CONSISTENCY, type Stage, type WriteConsistency } from '@/lib/client/interlay-routing';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { useEndpoints } from '@/components/endpoints/hooks';
import { MoveModal } from './MoveModal';
import { useRouting, useSetRouting, type InterlayView, type RoutingView } from './hooks';

export function LiveMigration({ interlay }: { interlay: InterlayView }) {
  const routing = useRouting(interlay.id);
  const canOperate = useCan('operate');
  const [moveTo, setMoveTo] = useState<Stage | null>(null);
  const r = routing.data;
  // The stored routing is what the engine runs: the service saves a move only once the engine applied it.
  const stage = r?.stage ?? interlay.routing.stage;

  return (
    <Card withBorder padding="md" data-testid="live-migration">
      <Group justify="space-between" mb="sm">
        <Title order={4}>Live migration</Title>
        <Group gap="xs">
          <Text size="sm" c="dimmed">
            Stage
          </Text>
          <Badge size="lg" variant="light" color={stage === 'source' ? 'gray' : 'blue'} data-testid="routing-stage">
            {stage}
          </Badge>
          {interlay.metrics?.routing?.switching && (
            <Badge color="yellow" variant="light">
              switching
            </Badge>
          )}
        </Group>
      </Group>
      <ErrorAlert error={routing.error} />
      <Stepper
        active={STAGES.indexOf(stage)}
        onStepClick={(i) => canOperate && STAGES[i] !== stage && setMoveTo(STAGES[i]!)}
        allowNextStepsSelect={canOperate}
        size="sm"
        mb="md"
        data-testid="stage-stepper"
      >
        {STAGES.map((s) => (
          <Stepper.Step key={s} label={STAGE_LABEL[s]} description={STAGE_HINT[s]} data-testid={`stage-step-${s}`} aria-label={`Stage ${s}`} />
        ))}
      </Stepper>
      {r && (
        <Stack gap="md">
          <SyncState routing={r} />
          <RoutingSettings key={r.updated_at} interlay={interlay} routing={r} stage={stage} canOperate={canOperate} />
        </Stack>
      )}
      {r && moveTo && <MoveModal interlayId={interlay.id} routing={r} from={stage} to={moveTo} onClose={() => setMoveTo(null)} />}
    </Card>
  );
}

function SyncState({ routing: r }: { routing: RoutingView }) {
  return (
    <Stack gap={4} data-testid="sync-state">
      <Group gap="xs">
        <Text size="sm" fw={600}>
          Target sync
        </Text>
        <Badge color={r.sync.in_sync ? 'green' : 'orange'} variant="light" data-testid="sync-badge">
          {r.sync.in_sync ? 'in sync' : 'not in sync'}
        </Badge>
        {r.sync.copy_job && (
          <Anchor component={Link} href={`/copy-jobs/${encodeURIComponent(r.sync.copy_job)}`} size="sm">
            copy job {r.sync.copy_job}
          </Anchor>
        )}
      </Group>
      {r.sync.reasons.length > 0 && (
        <List size="sm" c="dimmed">
          {r.sync.reasons.map((reason) => (
            <List.Item key={reason}>{reason}</List.Item>
          ))}
        </List>
      )}
      {r.forced && (
        <Text size="xs" c="dimmed" data-testid="last-forced">
          Last forced move: {r.forced.from} → {r.forced.to} by {r.forced.by} at {formatDateTime(r.forced.at)} — “{r.forced.reason}”
        </Text>
      )}
    </Stack>
  );
}

interface SettingsValues {
  target: string | null;
  mirrors: string[];
  policy: WriteConsistency;
  canary_percent: number;
  shadow_sample_rate: number;
}

function RoutingSettings({ interlay, routing, stage, canOperate }: { interlay: InterlayView; routing: RoutingView; stage: Stage; canOperate: boolean }) {
  const endpoints = useEndpoints();
  const save = useSetRouting(interlay.id);
  const initial: SettingsValues = {
    target: routing.target,
    mirrors: routing.mirrors,
    policy: routing.policy,
    canary_percent: routing.canary_percent,
    shadow_sample_rate: routing.shadow_sample_rate,
  };
  const [v, setV] = useState<SettingsValues>(initial);
  const set = <K extends keyof SettingsValues>(k: K, value: SettingsValues[K]) => setV((prev) => ({ ...prev, [k]: value }));
  const names = useMemo(() => (endpoints.data ?? []).map((e) => e.endpoint).filter((n) => n !== interlay.endpoint), [endpoints.data, interlay.endpoint]);
  const dirty = JSON.stringify(v) !== JSON.stringify(initial);
  const issue = (path: string) => (isApiError(save.error) ? save.error.issues.find((i) => i.path === path || i.path.startsWith(`${path}.`))?.message : undefined);
  const disabled = !canOperate || save.isPending;

  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Select
          label="Target endpoint"
          description="The endpoint whose primary the data moves to."
          placeholder={endpoints.isLoading ? 'Loading…' : 'Pick the target'}
          data={names.filter((n) => !v.mirrors.includes(n))}
          value={v.target}
          onChange={(t) => set('target', t)}
          clearable={stage === 'source'}
          searchable
          disabled={disabled}
          error={issue('target')}
          data-testid="routing-target"
        />
        <MultiSelect
          label="Mirror targets"
          description="Endpoints that get every write too (at most 8)."
          data={names.filter((n) => n !== v.target)}
          value={v.mirrors}
          onChange={(m) => set('mirrors', m)}
          maxValues={8}
          searchable
          clearable
          disabled={disabled}
          error={issue('mirrors')}
          data-testid="routing-mirrors"
        />
        <Select
          label="Write-consistency policy"
          description={`${POLICY_TEXT[v.policy]} ${policyInStage(v.policy, stage)}`}
          data={WRITE_CONSISTENCY.map((p) => ({ value: p, label: p }))}
          renderOption={({ option }) => (
            <Stack gap={0}>
              <Text size="sm">{option.value}</Text>
              <Text size="xs" c="dimmed">
                {POLICY_TEXT[option.value as WriteConsistency]}
              </Text>
            </Stack>
          )}
          value={v.policy}
          onChange={(p) => p && set('policy', p as WriteConsistency)}
          allowDeselect={false}
          disabled={disabled}
          error={issue('policy')}
          data-testid="routing-policy"
        />
        <Stack gap="lg">
          <div>
            <Text size="sm" fw={500}>
              Canary share: {v.canary_percent}% of client connections read from the target
            </Text>
            <Slider
              value={v.canary_percent}
              onChange={(n) => set('canary_percent', n)}
              min={0}
              max={100}
              step={1}
              marks={[{ value: 0 }, { value: 25 }, { value: 50 }, { value: 75 }, { value: 100 }]}
              disabled={disabled}
              aria-label="Canary percentage"
              data-testid="routing-canary"
            />
          </div>
          <div>
            <Text size="sm" fw={500}>
              Shadow sample rate: {Math.round(v.shadow_sample_rate * 100)}% of reads compared with the target
            </Text>
            <Slider
              value={Math.round(v.shadow_sample_rate * 100)}
              onChange={(n) => set('shadow_sample_rate', n / 100)}
              min={0}
              max={100}
              step={1}
              label={(n) => `${n}%`}
              disabled={disabled}
              aria-label="Shadow sample rate"
              data-testid="routing-shadow"
            />
          </div>
        </Stack>
      </SimpleGrid>
      <ErrorAlert error={save.error} />
      {canOperate && (
        <Group justify="flex-end" gap="xs">
          {dirty && (
            <Button variant="default" onClick={() => setV(initial)} disabled={save.isPending}>
              Reset
            </Button>
          )}
          <Button onClick={() => save.mutate({ stage, ...v })} disabled={!dirty} loading={save.isPending} data-testid="routing-save">
            Save routing
          </Button>
        </Group>
      )}
      {!dirty && routing.updated_by !== 'system' && (
        <Text size="xs" c="dimmed">
          Last changed by {routing.updated_by} at {formatDateTime(routing.updated_at)}.
        </Text>
      )}
    </Stack>
  );
}
