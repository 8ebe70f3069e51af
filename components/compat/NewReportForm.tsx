/**
 * "New report" in a modal: source/target/mirrors/interlay pickers, conflict policy,
 * fallback, big-key threshold and optional test run. Server 400 issues land on the
 * fields they name (`target`, `mirror_targets.0`, `test_run.sample_keys`).
 */
'use client';

import { Button, Checkbox, Group, Modal, MultiSelect, NumberInput, Select, Stack, TextInput, Text } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { api } from '@/lib/client/api';
import { interlayKeys } from '@/lib/client/interlay-keys';
import { applyServerErrors } from '@/components/ui/apply-server-errors';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { useEndpoints } from '@/components/endpoints/hooks';
import { useCreateReport, type CreateReportBody } from './hooks';

interface Values {
  source: string | null;
  target: string | null;
  mirror_targets: string[];
  interlay: string | null;
  conflict_policy: 'Replace' | 'None' | 'Merge';
  fallback: 'auto' | 'never';
  big_key_threshold_mb: number | string;
  test_run_enabled: boolean;
  test_run: { sample_keys: number | string; match: string };
}

export function NewReportModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const router = useRouter();
  const endpoints = useEndpoints();
  const interlays = useQuery({ queryKey: interlayKeys.lists(), queryFn: async () => (await api.get<{ interlays: { id: string }[] }>('/interlays')).interlays, enabled: opened });
  const create = useCreateReport();
  const form = useForm<Values>({
    initialValues: { source: null, target: null, mirror_targets: [], interlay: null, conflict_policy: 'Replace', fallback: 'auto', big_key_threshold_mb: 8, test_run_enabled: false, test_run: { sample_keys: 100, match: '' } },
    validate: {
      source: (v) => (v ? null : 'pick the source'),
      target: (v, all) => (!v ? 'pick the target' : v === all.source ? 'target must differ from source' : null),
    },
  });
  const names = (endpoints.data ?? []).map((e) => e.endpoint);

  const submit = form.onSubmit(async (v) => {
    const body: CreateReportBody = {
      source: v.source!,
      target: v.target!,
      mirror_targets: v.mirror_targets,
      interlay: v.interlay || null,
      conflict_policy: v.conflict_policy,
      fallback: v.fallback,
      big_key_threshold_mb: Number(v.big_key_threshold_mb),
      ...(v.test_run_enabled ? { test_run: { sample_keys: Number(v.test_run.sample_keys), ...(v.test_run.match ? { match: v.test_run.match } : {}) } } : {}),
    };
    try {
      const r = await create.mutateAsync(body);
      onClose();
      form.reset();
      router.push(`/compatibility/${r.id}`);
    } catch (e) {
      applyServerErrors(form, e);
    }
  });

  return (
    <Modal opened={opened} onClose={onClose} title="New compatibility report" size="lg">
      <form onSubmit={submit} data-testid="compat-new-form">
        <Stack>
          <ErrorAlert error={create.error ?? endpoints.error} />
          <Group grow align="flex-start">
            <Select label="Source" placeholder="endpoint" data={names} searchable {...form.getInputProps('source')} data-testid="compat-source" />
            <Select label="Target" placeholder="endpoint" data={names} searchable {...form.getInputProps('target')} data-testid="compat-target" />
          </Group>
          <MultiSelect label="Mirror targets" description="Endpoints that also receive the data (optional)" data={names.filter((n) => n !== form.values.source && n !== form.values.target)} {...form.getInputProps('mirror_targets')} />
          <Select
            label="Interlay"
            description="For the workload analysis (command mix) and a smoke test through it (optional)"
            data={(interlays.data ?? []).map((i) => i.id)}
            clearable
            {...form.getInputProps('interlay')}
          />
          <Group grow align="flex-start">
            <Select label="Conflict policy" data={['Replace', 'None', 'Merge']} allowDeselect={false} {...form.getInputProps('conflict_policy')} data-testid="compat-policy" />
            <Select
              label="Fallback"
              description="Type-based copy when the target refuses DUMP payloads"
              data={[
                { value: 'auto', label: 'auto' },
                { value: 'never', label: 'never' },
              ]}
              allowDeselect={false}
              {...form.getInputProps('fallback')}
            />
            <NumberInput label="Big-key threshold (MB)" min={0.001} step={1} {...form.getInputProps('big_key_threshold_mb')} />
          </Group>
          <Checkbox label="Test run: copy a sample to the target, verify it, then remove what the test created" {...form.getInputProps('test_run_enabled', { type: 'checkbox' })} data-testid="compat-test-run" />
          {form.values.test_run_enabled && (
            <Group grow align="flex-start">
              <NumberInput label="Sample keys" min={1} max={10000} {...form.getInputProps('test_run.sample_keys')} />
              <TextInput label="Match pattern" placeholder="user:*" {...form.getInputProps('test_run.match')} />
            </Group>
          )}
          <Text size="xs" c="dimmed">
            Checks only read from the endpoints, except short-lived probe and smoke keys under the reserved prefix <Text span ff="monospace">__ri:</Text>.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="compat-create">
              Run checks
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
