/** Queries and mutations of the endpoint pages; every key comes from `endpointKeys`. */
'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/client/api';
import { endpointKeys } from '@/lib/client/query-keys';
import type { CheckReport, CommandArg, DirectCallReplies, EndpointView } from '@/lib/client/types';

export function useEndpoints() {
  return useQuery({
    queryKey: endpointKeys.lists(),
    queryFn: async () => (await api.get<{ endpoints: EndpointView[] }>('/endpoints')).endpoints,
  });
}

export function useEndpoint(name: string) {
  return useQuery({
    queryKey: endpointKeys.detail(name),
    queryFn: () => api.get<EndpointView>(`/endpoints/${seg(name)}`),
  });
}

/** Runs a check and folds the report into the cached endpoint (the server stores it as last_check). */
export function useCheckEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.post<CheckReport>(`/endpoints/${seg(name)}/check`),
    onSuccess: (report, name) => {
      qc.setQueryData<EndpointView>(endpointKeys.detail(name), (old) => (old ? { ...old, last_check: report } : old));
      qc.setQueryData<EndpointView[]>(endpointKeys.lists(), (old) => old?.map((e) => (e.endpoint === name ? { ...e, last_check: report } : e)));
      void qc.invalidateQueries({ queryKey: endpointKeys.all });
    },
  });
}

/** The delete confirmation: what deleting removes, or who still uses the endpoint (the server answers 409). */
export function deleteEndpointMessage(e: Pick<EndpointView, 'used_by'>): string {
  return e.used_by.length
    ? `It is used by ${e.used_by.map((u) => `${u.type} ${u.id}`).join(', ')}; the server will refuse until those are removed.`
    : 'The stored connection settings and passwords are removed. The database itself is not touched.';
}

export function useDeleteEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.delete(`/endpoints/${seg(name)}`),
    onSuccess: (_d, name) => {
      qc.removeQueries({ queryKey: endpointKeys.detail(name) });
      void qc.invalidateQueries({ queryKey: endpointKeys.lists() });
    },
  });
}

export function useSaveEndpoint(mode: 'create' | 'edit', name?: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { endpoint?: string; description: string; config: unknown }) =>
      mode === 'create'
        ? api.post<EndpointView>('/endpoints', { endpoint: body.endpoint, kind: 'redis', description: body.description, config: body.config })
        : api.patch<EndpointView>(`/endpoints/${seg(name!)}`, { description: body.description, config: body.config }),
    onSuccess: (view) => {
      qc.setQueryData(endpointKeys.detail(view.endpoint), view);
      void qc.invalidateQueries({ queryKey: endpointKeys.all });
    },
  });
}

export function useDirectCall(name: string) {
  return useMutation({
    mutationFn: ({ role, commands }: { role: 'read' | 'write'; commands: CommandArg[][] }) =>
      api.post<DirectCallReplies>(`/endpoints/${seg(name)}/${role}`, { commands }),
  });
}
