/**
 * Create and edit an endpoint. The shape picker chooses between separate connections per
 * role and one target with per-role credentials; "Edit as JSON" sends the config text
 * as typed. Client checks mirror the server's schema, and a 400's field issues
 * (`config.read_conn.port`) land on the matching input; the rest show above the form.
 * In edit mode stored passwords stay unless a new one is typed.
 */
'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import {
  Button,
  Card,
  Checkbox,
  Collapse,
  Divider,
  Group,
  JsonInput,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm, type UseFormReturnType } from '@mantine/form';
import { ApiError, type ApiIssue } from '@/lib/client/api';
import {
  configToForm,
  emptyEndpointForm,
  endpointToForm,
  formToConfig,
  submittedConfig,
  validateEndpointForm,
  type EndpointFormValues,
} from '@/lib/client/endpoint-config';
import type { EndpointView, WireEndpointConfig } from '@/lib/client/types';
import { ErrorAlert, applyServerErrors, notifySuccess } from '@/components/ui';
import { useSaveEndpoint } from './hooks';

type Form = UseFormReturnType<EndpointFormValues>;

function Section({ title, description, children, right }: { title: string; description?: ReactNode; children: ReactNode; right?: ReactNode }) {
  return (
    <Card>
      <Group justify="space-between" align="flex-start" mb="md" gap="md">
        <div>
          <Title order={4}>{title}</Title>
          {description && (
            <Text size="sm" c="dimmed" mt={2}>
              {description}
            </Text>
          )}
        </div>
        {right}
      </Group>
      {children}
    </Card>
  );
}

function ServerFields({ form, prefix, withCredentials }: { form: Form; prefix: 'read_conn' | 'write_conn' | 'admin_conn' | 'target'; withCredentials: boolean }) {
  const tls = (form.getValues()[prefix] as { tls: boolean }).tls;
  const passwordStored = withCredentials && (form.getValues()[prefix] as { has_password?: boolean }).has_password;
  return (
    <Stack gap="sm">
      <SimpleGrid cols={{ base: 1, sm: 4 }} spacing="sm">
        <TextInput label="Host" placeholder="redis.internal or 10.0.0.5" withAsterisk style={{ gridColumn: 'span 2' }} {...form.getInputProps(`${prefix}.host`)} data-testid={`${prefix}.host`} />
        <NumberInput label="Port" placeholder={tls ? '6380' : '6379'} min={1} max={65535} allowDecimal={false} hideControls {...form.getInputProps(`${prefix}.port`)} data-testid={`${prefix}.port`} />
        <NumberInput label="Database" placeholder="0" min={0} max={10000} allowDecimal={false} {...form.getInputProps(`${prefix}.db`)} data-testid={`${prefix}.db`} />
      </SimpleGrid>
      <Group gap="xl" align="flex-end">
        <Switch label="TLS" {...form.getInputProps(`${prefix}.tls`, { type: 'checkbox' })} data-testid={`${prefix}.tls`} />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Protocol
          </Text>
          <SegmentedControl
            size="xs"
            data={[
              { label: 'RESP2', value: '2' },
              { label: 'RESP3', value: '3' },
            ]}
            {...form.getInputProps(`${prefix}.protocol_version`)}
          />
        </Stack>
      </Group>
      {withCredentials && (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label="Username" placeholder="default" autoComplete="off" {...form.getInputProps(`${prefix}.username`)} data-testid={`${prefix}.username`} />
          <PasswordInput
            label="Password"
            placeholder={passwordStored ? 'unchanged' : 'none'}
            description={passwordStored ? 'Leave empty to keep the stored password; enter it again after changing host, port or TLS' : undefined}
            autoComplete="new-password"
            {...form.getInputProps(`${prefix}.password`)}
          />
        </SimpleGrid>
      )}
    </Stack>
  );
}

function CredentialFields({ form, prefix, label }: { form: Form; prefix: 'read_credentials' | 'write_credentials' | 'admin_credentials'; label: string }) {
  const stored = form.getValues()[prefix].has_password;
  return (
    <Group gap="sm" align="flex-end" wrap="nowrap">
      <Text size="sm" fw={500} w={64} pb={8} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <TextInput label="Username" placeholder="default" autoComplete="off" style={{ flex: 1 }} {...form.getInputProps(`${prefix}.username`)} />
      <PasswordInput
        label="Password"
        placeholder={stored ? 'unchanged' : 'none'}
        autoComplete="new-password"
        style={{ flex: 1 }}
        {...form.getInputProps(`${prefix}.password`)}
      />
    </Group>
  );
}

export function EndpointForm({ mode, endpoint }: { mode: 'create' | 'edit'; endpoint?: EndpointView }) {
  const router = useRouter();
  const save = useSaveEndpoint(mode, endpoint?.endpoint);
  const [unmatched, setUnmatched] = useState<ApiIssue[]>([]);
  const form = useForm<EndpointFormValues>({
    initialValues: endpoint ? endpointToForm(endpoint) : emptyEndpointForm(),
    validate: (values) => validateEndpointForm(values, mode),
  });
  const values = form.getValues();

  const toggleJson = (on: boolean) => {
    if (on) {
      form.setValues({ json_mode: true, config_json: JSON.stringify(formToConfig(form.getValues()), null, 2) });
      return;
    }
    try {
      const cfg = JSON.parse(form.getValues().config_json) as WireEndpointConfig;
      form.setValues({ ...configToForm(cfg, form.getValues()), json_mode: false });
      form.clearErrors();
    } catch (e) {
      form.setFieldError('config_json', `Fix the JSON before leaving JSON mode: ${(e as Error).message}`);
    }
  };

  const onSubmit = (v: EndpointFormValues) => {
    setUnmatched([]);
    save.mutate(
      { endpoint: v.endpoint.trim(), description: v.description, config: submittedConfig(v) },
      {
        onSuccess: (view) => {
          notifySuccess(mode === 'create' ? `Endpoint ${view.endpoint} created` : `Endpoint ${view.endpoint} saved`);
          router.push(`/endpoints/${view.endpoint}`);
        },
        onError: (e) => {
          if (form.getValues().json_mode && e instanceof ApiError) {
            // In JSON mode every config issue belongs to the JSON editor, with its path so
            // `config.target.port` can be found in the text.
            const mine = e.issues.filter((i) => i.path === 'config' || i.path.startsWith('config.'));
            if (mine.length) form.setFieldError('config_json', mine.map((i) => (i.path === 'config' ? i.message : `${i.path.slice(7)}: ${i.message}`)).join('\n'));
            setUnmatched(applyServerErrors(form, new ApiError(e.status, e.code, e.message, e.issues.filter((i) => !mine.includes(i)))));
            return;
          }
          setUnmatched(applyServerErrors(form, e, { map: (path) => (path === 'config' ? null : undefined) }));
        },
      },
    );
  };

  return (
    <form onSubmit={form.onSubmit(onSubmit)} noValidate data-testid="endpoint-form">
      <Stack gap="lg">
        {save.error != null && <ErrorAlert error={save.error} issues={unmatched} />}
        <Section title="General">
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
            <TextInput
              label="Name"
              description="Used in URLs and by interlays and copy jobs; cannot change later"
              placeholder="redis-source"
              withAsterisk
              disabled={mode === 'edit'}
              {...form.getInputProps('endpoint')}
              data-testid="endpoint-name"
            />
            <Textarea label="Description" placeholder="What this database is, who owns it" autosize minRows={1} maxRows={4} {...form.getInputProps('description')} data-testid="endpoint-description" />
          </SimpleGrid>
        </Section>

        <Section
          title="Connection"
          description="Each role (read, write, admin) connects with its own settings. Ports default to 6379, or 6380 with TLS."
          right={<Switch label="Advanced: edit as JSON" checked={values.json_mode} onChange={(e) => toggleJson(e.currentTarget.checked)} data-testid="json-mode" />}
        >
          {values.json_mode ? (
            <JsonInput
              label="config"
              description='Either "read_conn" + "write_conn" (+ "admin_conn"), or "target" + "read_credentials"/"write_credentials"/"admin_credentials". Passwords sent as "********" keep the stored ones.'
              autosize
              minRows={12}
              maxRows={30}
              formatOnBlur
              validationError="Not valid JSON"
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
              {...form.getInputProps('config_json')}
              data-testid="config-json"
            />
          ) : (
            <Stack gap="md">
              <SegmentedControl
                fullWidth
                data={[
                  { label: 'Separate connections per role', value: 'conns' },
                  { label: 'One target with per-role credentials', value: 'target' },
                ]}
                {...form.getInputProps('shape')}
                data-testid="shape"
              />
              {values.shape === 'conns' ? (
                <Stack gap="lg">
                  <div>
                    <Divider label="Read connection" labelPosition="left" mb="sm" />
                    <ServerFields form={form} prefix="read_conn" withCredentials />
                  </div>
                  <div>
                    <Divider label="Write connection" labelPosition="left" mb="sm" />
                    <ServerFields form={form} prefix="write_conn" withCredentials />
                  </div>
                  <div>
                    <Divider label="Admin connection" labelPosition="left" mb="sm" />
                    <Switch
                      label="Use a separate connection for admin commands (CONFIG, INFO, ACL…)"
                      mb="sm"
                      {...form.getInputProps('use_admin_conn', { type: 'checkbox' })}
                    />
                    <Collapse expanded={values.use_admin_conn}>
                      <ServerFields form={form} prefix="admin_conn" withCredentials />
                    </Collapse>
                  </div>
                </Stack>
              ) : (
                <Stack gap="lg">
                  <div>
                    <Divider label="Target" labelPosition="left" mb="sm" />
                    <ServerFields form={form} prefix="target" withCredentials={false} />
                  </div>
                  <div>
                    <Divider label="Credentials per role" labelPosition="left" mb={4} />
                    <Text size="xs" c="dimmed" mb="sm">
                      Leave empty to use the default user. Admin credentials are optional.
                    </Text>
                    <Stack gap="xs">
                      <CredentialFields form={form} prefix="read_credentials" label="Read" />
                      <CredentialFields form={form} prefix="write_credentials" label="Write" />
                      <CredentialFields form={form} prefix="admin_credentials" label="Admin" />
                    </Stack>
                  </div>
                </Stack>
              )}
            </Stack>
          )}
        </Section>

        {!values.json_mode && (
          <>
            <Section
              title="TLS options"
              description="Apply to every role that has TLS on."
              right={<Switch label="Custom TLS options" {...form.getInputProps('use_tls_options', { type: 'checkbox' })} data-testid="use-tls-options" />}
            >
              <Collapse expanded={values.use_tls_options}>
                <Stack gap="sm">
                  <Textarea
                    label="CA certificate (PEM)"
                    description="The CA that signed the server's certificate; empty = the system's CAs"
                    placeholder="-----BEGIN CERTIFICATE-----"
                    autosize
                    minRows={3}
                    maxRows={10}
                    styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
                    {...form.getInputProps('tls_options.ca')}
                  />
                  <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                    <TextInput label="Server name (SNI)" description="When the certificate's name differs from the host" {...form.getInputProps('tls_options.server_name')} />
                    <Checkbox
                      mt={30}
                      color="orange"
                      label="Skip certificate verification (tests and private networks only)"
                      {...form.getInputProps('tls_options.skip_verify', { type: 'checkbox' })}
                    />
                  </SimpleGrid>
                </Stack>
              </Collapse>
              {!values.use_tls_options && (
                <Text size="sm" c="dimmed">
                  Using the system&apos;s CAs and the host name for verification.
                </Text>
              )}
            </Section>

            <Section title="Pool and timeouts">
              <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
                <NumberInput
                  label="Multiplexed connections"
                  description="Per role, 1-64"
                  min={1}
                  max={64}
                  allowDecimal={false}
                  {...form.getInputProps('connection_pool.multiplexed_connections')}
                  data-testid="pool-size"
                />
                <NumberInput label="Connect timeout (ms)" description="Default 5000" placeholder="5000" min={100} max={60000} step={500} allowDecimal={false} {...form.getInputProps('connect_timeout_ms')} />
                <NumberInput label="Command timeout (ms)" description="Default 10000" placeholder="10000" min={100} max={600000} step={1000} allowDecimal={false} {...form.getInputProps('command_timeout_ms')} />
              </SimpleGrid>
            </Section>
          </>
        )}

        <Group justify="flex-end" gap="xs">
          <Button variant="default" component={Link} href={endpoint ? `/endpoints/${endpoint.endpoint}` : '/endpoints'}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="endpoint-save">
            {mode === 'create' ? 'Create endpoint' : 'Save changes'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
