/** /endpoints/new and /endpoints/[name]/edit: the form inside the page frame. */
'use client';

import { Skeleton, Stack } from '@mantine/core';
import { ErrorAlert, PageHeader } from '@/components/ui';
import { EndpointForm } from './EndpointForm';
import { useEndpoint } from './hooks';

export function EndpointCreate() {
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: 'Endpoints', href: '/endpoints' }, { label: 'New' }]}
        title="New endpoint"
        description="Connection settings for a Redis-compatible database. Passwords are encrypted at rest and never shown again."
      />
      <EndpointForm mode="create" />
    </>
  );
}

export function EndpointEdit({ name }: { name: string }) {
  const endpoint = useEndpoint(name);
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: 'Endpoints', href: '/endpoints' }, { label: name, href: `/endpoints/${name}` }, { label: 'Edit' }]}
        title={`Edit ${name}`}
        description="Changing the connection settings clears the last check. Passwords stay unchanged unless you type a new one."
      />
      {endpoint.isPending ? (
        <Stack>
          <Skeleton h={120} />
          <Skeleton h={320} />
        </Stack>
      ) : endpoint.data ? (
        // Keyed by version so a concurrent edit elsewhere re-initialises the form.
        <EndpointForm key={endpoint.data.version} mode="edit" endpoint={endpoint.data} />
      ) : (
        <ErrorAlert error={endpoint.error} />
      )}
    </>
  );
}
