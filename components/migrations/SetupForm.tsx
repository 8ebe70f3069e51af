/**
 * The run's setup: endpoints and interlay picked from the console's lists, the strategy with
 * its options, data movement, conflict policy, write consistency, TTLs, key filters, db
 * mapping, rate limit, rollback window, acceptance criteria, approvals and automatic
 * rollback, each with a line saying what it does.
 *
 * The body is checked with the server's own schema (lib/workflow/schema.ts) before it is
 * sent, and the server's 400 issues land on the same inputs (`strategy.read_percentage.2`,
 * `interlay`, `rollback_window.minutes`…) through applyServerErrors.
 */
'use client';

import { useMemo, useState } from 'react';
import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { ApiError, type ApiIssue } from '@/lib/client/api';
import { applyServerErrors, ErrorAlert, notifySuccess } from '@/components/ui';
import { useEndpoints } from '@/components/endpoints/hooks';
import { useInterlays } from '@/components/interlays/hooks';
import { KNOWN_TYPES, POLICY_HELP } from '@/components/copy-jobs/types';
import {
  CANARY_WRITE_MODES,
  CONFLICT_POLICIES,
  DATA_MOVEMENTS,
  DATA_MOVEMENT_HELP,
  SETUP_HELP as H,
  STRATEGY_HELP,
  STRATEGY_TYPES,
  WRITE_CONSISTENCY,
  WRITE_CONSISTENCY_HELP,
  setupSchema,
  type RunView,
} from '@/lib/client/migration-types';
import { fromSetup, mapPath, toBody, type Values } from '@/lib/client/migration-setup';
import { useSubmitSetup } from './hooks';

export function SetupForm({ run, editable }: { run: RunView; editable: boolean }) {
  const endpoints = useEndpoints();
  const interlays = useInterlays();
  const submit = useSubmitSetup(run.id);
  const [unmatched, setUnmatched] = useState<ApiIssue[]>([]);
  const form = useForm<Values>({ initialValues: fromSetup(run.setup) });
  const v = form.getValues();
  const endpointNames = useMemo(() => (endpoints.data ?? []).map((e) => e.endpoint), [endpoints.data]);
  const interlayOptions = useMemo(
    () => (interlays.data ?? []).map((i) => ({ value: i.id, label: `${i.id} (in front of ${i.endpoint}, ${i.status})` })),
    [interlays.data],
  );
  const chosenInterlay = interlays.data?.find((i) => i.id === v.interlay);

  const onSubmit = (values: Values) => {
    setUnmatched([]);
    const { body, issues } = toBody(values);
    const parsed = setupSchema.safeParse(body);
    const all = [...issues, ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })))];
    if (all.length) {
      setUnmatched(applyServerErrors(form, new ApiError(400, 'VALIDATION', 'Please check the setup', all), { map: mapPath }));
      return;
    }
    submit.mutate(parsed.data!, {
      onSuccess: () => notifySuccess(run.state === 'draft' ? 'Setup submitted: prepare the run next' : 'Setup changed: prepare and approve again'),
      onError: (e) => setUnmatched(applyServerErrors(form, e, { map: mapPath })),
    });
  };

  const steps = v.strategy.read_percentage;
  // Issues that found their input are shown there; the alert lists the rest, or a non-field error.
  const alertError = unmatched.length ? new Error('Some settings need attention') : submit.error instanceof ApiError && submit.error.issues.length ? null : submit.error;
  return (
    <form onSubmit={form.onSubmit(onSubmit)} data-testid="setup-form">
      <Stack gap="md">
        {editable && (run.state === 'awaiting_review' || run.state === 'approved') && (
          <Alert color="yellow" title="Changing the setup now needs a new prepare and approval">
            The approval covers exactly the setup below; any change returns the run to “setup submitted”.
          </Alert>
        )}
        <Fieldset legend="Endpoints" disabled={!editable}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Select label="Source" description={H.source} data={endpointNames} searchable allowDeselect={false} {...form.getInputProps('source')} data-testid="setup-source" />
            <Select label="Target" description={H.target} data={endpointNames} searchable allowDeselect={false} {...form.getInputProps('target')} data-testid="setup-target" />
            <MultiSelect label="Mirror targets" description={H.mirror_targets} data={endpointNames} searchable clearable {...form.getInputProps('mirror_targets')} data-testid="setup-mirrors" />
            <Select
              label="Interlay"
              description={H.interlay}
              data={interlayOptions}
              searchable
              allowDeselect={false}
              {...form.getInputProps('interlay')}
              data-testid="setup-interlay"
            />
          </SimpleGrid>
          {chosenInterlay && v.source && chosenInterlay.endpoint !== v.source && (
            <Text size="xs" c="orange" mt={4}>
              This interlay is in front of {chosenInterlay.endpoint}, not the source {v.source}.
            </Text>
          )}
        </Fieldset>

        <Fieldset legend="Strategy" disabled={!editable}>
          <Stack gap="sm">
            <Text size="sm" c="dimmed">
              {H.strategy}
            </Text>
            <SegmentedControl
              data={STRATEGY_TYPES.map((t) => ({ value: t, label: t.replace(/_/g, ' ') }))}
              {...form.getInputProps('strategy.type')}
              disabled={!editable}
              data-testid="setup-strategy"
            />
            <Text size="sm">{STRATEGY_HELP[v.strategy.type]}</Text>
            {form.errors['strategy.type'] && (
              <Text size="xs" c="red">
                {form.errors['strategy.type']}
              </Text>
            )}
            {v.strategy.type === 'canary' && (
              <>
                <Text size="sm" fw={500}>
                  Read percentage steps
                </Text>
                <Text size="xs" c="dimmed">
                  {H.read_percentage}
                </Text>
                <Group gap="xs" align="flex-start" data-testid="setup-canary-steps">
                  {steps.map((_, i) => (
                    <Group key={i} gap={2} align="flex-start" wrap="nowrap">
                      <NumberInput w={90} min={1} max={100} suffix="%" aria-label={`Step ${i + 1}`} {...form.getInputProps(`strategy.read_percentage.${i}`)} />
                      <ActionIcon variant="subtle" color="red" mt={6} aria-label={`Remove step ${i + 1}`} disabled={steps.length <= 1} onClick={() => form.removeListItem('strategy.read_percentage', i)}>
                        <IconTrash size={14} />
                      </ActionIcon>
                    </Group>
                  ))}
                  <Button
                    variant="light"
                    size="xs"
                    mt={4}
                    leftSection={<IconPlus size={14} />}
                    onClick={() => form.insertListItem('strategy.read_percentage', Math.min(100, Number(steps.at(-1) ?? 0) + 10))}
                  >
                    Add step
                  </Button>
                </Group>
                {form.errors['strategy.read_percentage'] && (
                  <Text size="xs" c="red">
                    {form.errors['strategy.read_percentage']}
                  </Text>
                )}
                <Select label="Write mode" description={H.write_mode} data={[...CANARY_WRITE_MODES]} allowDeselect={false} {...form.getInputProps('strategy.write_mode')} />
              </>
            )}
            {v.strategy.type === 'blue_green' && (
              <Switch label="The target becomes the active side" description={H.active_is_new} {...form.getInputProps('strategy.active_is_new', { type: 'checkbox' })} />
            )}
            {v.strategy.type === 'shadow' && (
              <NumberInput label="Sample rate" description={H.sample_rate} min={0.001} max={1} step={0.05} decimalScale={3} w={220} {...form.getInputProps('strategy.sample_rate')} />
            )}
          </Stack>
        </Fieldset>

        <Fieldset legend="Data movement and consistency" disabled={!editable}>
          <Stack gap="sm">
            <Select
              label="Data movement"
              description={`${H.data_movement} ${DATA_MOVEMENT_HELP[v.data_movement]}`}
              data={DATA_MOVEMENTS.map((m) => ({ value: m, label: m.replace(/_/g, ' ') }))}
              allowDeselect={false}
              {...form.getInputProps('data_movement')}
              data-testid="setup-data-movement"
            />
            <Select
              label="Conflict policy"
              description={`${H.conflict_policy} ${POLICY_HELP[v.conflict_policy]}`}
              data={[...CONFLICT_POLICIES]}
              allowDeselect={false}
              {...form.getInputProps('conflict_policy')}
              data-testid="setup-conflict-policy"
            />
            <Select
              label="Write consistency"
              description={`${H.write_consistency} ${WRITE_CONSISTENCY_HELP[v.write_consistency]}`}
              data={[...WRITE_CONSISTENCY]}
              allowDeselect={false}
              {...form.getInputProps('write_consistency')}
              data-testid="setup-write-consistency"
            />
            <Checkbox label="Preserve TTLs" description={H.preserve_ttl} {...form.getInputProps('preserve_ttl', { type: 'checkbox' })} />
          </Stack>
        </Fieldset>

        <Fieldset legend="Keys, databases and rate" disabled={!editable}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <TagsInput label="Key patterns" description={H.match} placeholder="e.g. session:* then Enter" {...form.getInputProps('key_filters.match')} />
            <MultiSelect label="Key types" description={H.types} data={[...KNOWN_TYPES]} clearable {...form.getInputProps('key_filters.types')} />
            <TextInput label="Database mapping" description={H.databases} placeholder="0:0, 1:5" {...form.getInputProps('databases')} />
            <Group grow align="flex-start">
              <NumberInput label="Keys per second" description={H.rate_limit} placeholder="unlimited" min={1} {...form.getInputProps('rate_limit.keys_per_sec')} />
              <NumberInput label="MB per second" description="Bytes limit of the bulk copy." placeholder="unlimited" min={0.1} decimalScale={2} {...form.getInputProps('rate_limit.mb_per_sec')} />
            </Group>
          </SimpleGrid>
        </Fieldset>

        <Fieldset legend="Rollback window and acceptance" disabled={!editable}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Group grow align="flex-end">
              <NumberInput label="Rollback window" description={H.rollback_window} min={0} {...form.getInputProps('rollback_window.amount')} data-testid="setup-rollback-window" />
              <SegmentedControl data={['minutes', 'seconds']} {...form.getInputProps('rollback_window.unit')} disabled={!editable} />
            </Group>
            <NumberInput label="Maximum differences" description={H.max_differences} min={0} {...form.getInputProps('acceptance.max_differences')} />
            <NumberInput label="Maximum mirror lag (ms)" description={H.max_mirror_lag_ms} min={0} {...form.getInputProps('acceptance.max_mirror_lag_ms')} />
            <Stack gap={4}>
              <Text size="sm" fw={500}>
                Verification
              </Text>
              <Text size="xs" c="dimmed">
                {H.verify_mode}
              </Text>
              <SegmentedControl data={['full', 'sample']} {...form.getInputProps('acceptance.verify_mode')} disabled={!editable} />
            </Stack>
            <NumberInput label="TTL tolerance (ms)" description={H.ttl_tolerance_ms} min={0} {...form.getInputProps('acceptance.ttl_tolerance_ms')} />
          </SimpleGrid>
        </Fieldset>

        <Fieldset legend="Approvals" disabled={!editable}>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Checkbox label="Completion needs a second approver" description={H.completion_second_approver} {...form.getInputProps('completion_second_approver', { type: 'checkbox' })} />
            <TextInput label="Rollback approver" description={H.rollback_approver} placeholder="username (optional)" {...form.getInputProps('rollback_approver')} />
          </SimpleGrid>
        </Fieldset>

        <Fieldset legend="Automatic rollback" disabled={!editable}>
          <Stack gap="sm">
            <Switch label="Roll back automatically" description={H.auto_rollback} {...form.getInputProps('auto_rollback_on', { type: 'checkbox' })} />
            {v.auto_rollback_on && (
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <NumberInput label="Target error rate" description={H.max_target_error_rate} min={0} max={1} step={0.01} decimalScale={3} {...form.getInputProps('auto_rollback.max_target_error_rate')} />
                <NumberInput label="Target p99 (ms)" description={H.max_p99_ms} min={1} {...form.getInputProps('auto_rollback.max_p99_ms')} />
                <NumberInput label="Window (s)" description={H.window_s} min={1} {...form.getInputProps('auto_rollback.window_s')} />
                <Checkbox label="Divergence growing" description={H.divergence_growth} {...form.getInputProps('auto_rollback.divergence_growth', { type: 'checkbox' })} />
              </SimpleGrid>
            )}
          </Stack>
        </Fieldset>

        <ErrorAlert error={alertError} issues={unmatched} />
        {editable && (
          <Group justify="flex-end">
            <Button type="submit" loading={submit.isPending} data-testid="setup-submit">
              {run.state === 'draft' ? 'Submit setup' : 'Save setup'}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
