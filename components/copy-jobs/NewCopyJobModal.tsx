/**
 * "New copy job" in a modal: source and targets (endpoints), match patterns, types, db
 * mapping, conflict policy (with what each one does), TTLs, rate limit, batch size and
 * concurrency. Server 400 issues land on the fields they name (`source`, `targets.0`…).
 */
'use client';

import { Alert, Button, Checkbox, Group, Modal, MultiSelect, NumberInput, SegmentedControl, Select, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useRouter } from 'next/navigation';
import { applyServerErrors } from '@/components/ui/apply-server-errors';
import { ErrorAlert } from '@/components/ui/ErrorAlert';
import { useEndpoints } from '@/components/endpoints/hooks';
import { parseDbMapping } from '@/lib/client/db-mapping';
import { useCreateCopyJob } from './hooks';
import { KNOWN_TYPES, POLICY_HELP, type CreateCopyJobBody } from './types';

interface Values {
  source: string | null;
  targets: string[];
  match: string[];
  types: string[];
  databases: string;
  conflict_policy: 'Replace' | 'None' | 'Merge';
  preserve_ttl: boolean;
  keys_per_sec: number | string;
  mb_per_sec: number | string;
  batch_size: number | string;
  concurrency: number | string;
}

const num = (v: number | string) => (v === '' || v === undefined ? undefined : Number(v));

export function NewCopyJobModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const router = useRouter();
  const endpoints = useEndpoints();
  const create = useCreateCopyJob();
  const form = useForm<Values>({
    initialValues: { source: null, targets: [], match: [], types: [], databases: '', conflict_policy: 'Replace', preserve_ttl: true, keys_per_sec: '', mb_per_sec: '', batch_size: 1000, concurrency: 4 },
    validate: {
      source: (v) => (v ? null : 'pick the source'),
      targets: (v, all) => (v.length === 0 ? 'pick at least one target' : all.source && v.includes(all.source) ? 'a target cannot be the source' : null),
      databases: (v) => {
        try {
          parseDbMapping(v);
          return null;
        } catch (e) {
          return (e as Error).message;
        }
      },
    },
  });
  const names = (endpoints.data ?? []).map((e) => e.endpoint);

  const submit = form.onSubmit(async (v) => {
    const rate = { keys_per_sec: num(v.keys_per_sec), mb_per_sec: num(v.mb_per_sec) };
    const body: CreateCopyJobBody = {
      source: v.source!,
      targets: v.targets,
      conflict_policy: v.conflict_policy,
      preserve_ttl: v.preserve_ttl,
      ...(v.match.length ? { match: v.match } : {}),
      ...(v.types.length ? { types: v.types } : {}),
      ...(parseDbMapping(v.databases) ? { databases: parseDbMapping(v.databases) } : {}),
      ...(rate.keys_per_sec || rate.mb_per_sec ? { rate_limit: Object.fromEntries(Object.entries(rate).filter(([, x]) => x)) } : {}),
      ...(num(v.batch_size) ? { batch_size: num(v.batch_size) } : {}),
      ...(num(v.concurrency) ? { concurrency: num(v.concurrency) } : {}),
    };
    try {
      const job = await create.mutateAsync(body);
      onClose();
      form.reset();
      router.push(`/copy-jobs/${job.id}`);
    } catch (e) {
      applyServerErrors(form, e, { map: (p) => (p.startsWith('rate_limit.') ? p.slice('rate_limit.'.length) : p.startsWith('targets.') ? 'targets' : p.startsWith('databases') ? 'databases' : undefined) });
    }
  });

  return (
    <Modal opened={opened} onClose={onClose} title="New copy job" size="lg">
      <form onSubmit={submit} data-testid="copy-job-form">
        <Stack>
          <ErrorAlert error={create.error ?? endpoints.error} />
          <Group grow align="flex-start">
            <Select label="Source" description="Read with its read connection" placeholder="endpoint" data={names} searchable {...form.getInputProps('source')} data-testid="copy-source" />
            <MultiSelect
              label="Targets"
              description="Written with their write connections"
              placeholder="endpoints"
              data={names.filter((n) => n !== form.values.source)}
              searchable
              {...form.getInputProps('targets')}
              data-testid="copy-targets"
            />
          </Group>
          <TagsInput label="Match patterns" description="SCAN MATCH globs, e.g. user:* (empty: every key); press Enter after each" {...form.getInputProps('match')} data-testid="copy-match" />
          <MultiSelect label="Types" description="Only these key types (empty: every type)" data={KNOWN_TYPES} searchable {...form.getInputProps('types')} />
          <TextInput label="Databases" description="source:target pairs, e.g. 0:0, 1:1 (empty: every source db with keys, same index)" placeholder="0:0" {...form.getInputProps('databases')} />
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              When a key already exists on a target
            </Text>
            <SegmentedControl data={['Replace', 'None', 'Merge']} {...form.getInputProps('conflict_policy')} data-testid="copy-policy" />
            <Alert variant="light" color="blue" p="xs">
              <Text size="sm">
                <b>{form.values.conflict_policy}:</b> {POLICY_HELP[form.values.conflict_policy]}
              </Text>
            </Alert>
          </Stack>
          <Checkbox label="Preserve TTLs (keys keep their remaining time to live)" {...form.getInputProps('preserve_ttl', { type: 'checkbox' })} />
          <Group grow align="flex-start">
            <NumberInput label="Rate limit, keys/s" description="Empty: unlimited" min={1} {...form.getInputProps('keys_per_sec')} />
            <NumberInput label="Rate limit, MB/s" description="Empty: unlimited" min={0.1} decimalScale={2} {...form.getInputProps('mb_per_sec')} />
          </Group>
          <Group grow align="flex-start">
            <NumberInput label="Batch size" description="Keys per batch (one checkpoint each)" min={1} max={10000} {...form.getInputProps('batch_size')} />
            <NumberInput label="Concurrency" description="Batches in flight" min={1} max={64} {...form.getInputProps('concurrency')} />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="copy-job-submit">
              Start copy
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
