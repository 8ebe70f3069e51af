/**
 * Data hooks of the compatibility area. React Query owns the data; the `changed` socket
 * event refetches; a report's room sends its run phase (gathering, checks, test-run, done).
 */
'use client';

import { useCallback, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/client/api';
import { compatKeys } from '@/lib/client/compat-keys';
import { useRoom } from '@/lib/client/socket';
import type { FindingView, ReportListItem, ReportView } from '@/lib/compat/service';
import type { CompatProgressTick } from '@/lib/events';

export type { FindingView, ReportListItem, ReportView };

export interface CreateReportBody {
  source: string;
  target: string;
  mirror_targets?: string[];
  interlay?: string | null;
  conflict_policy?: 'Replace' | 'None' | 'Merge';
  fallback?: 'auto' | 'never';
  big_key_threshold_mb?: number;
  test_run?: { sample_keys?: number; match?: string };
}

export function useReports() {
  return useQuery({
    queryKey: compatKeys.lists(),
    queryFn: async () => (await api.get<{ reports: ReportListItem[] }>('/compatibility-reports')).reports,
  });
}

export function useReport(id: string) {
  return useQuery({
    queryKey: compatKeys.detail(id),
    queryFn: () => api.get<ReportView>(`/compatibility-reports/${seg(id)}`),
    // The socket's `changed` event refetches on completion; poll slowly as a safety net while running.
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 3_000 : false),
  });
}

export function useCreateReport() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateReportBody) => api.post<{ id: string; status: string }>('/compatibility-reports', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: compatKeys.lists() }),
  });
}

export function useRerun(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<{ id: string; status: string }>(`/compatibility-reports/${seg(id)}/rerun`),
    onSuccess: () => qc.invalidateQueries({ queryKey: compatKeys.detail(id) }),
  });
}

export function useAcknowledge(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ check, notes }: { check: string; notes: string }) => api.post<FindingView>(`/compatibility-reports/${seg(id)}/findings/${seg(check)}/acknowledge`, { notes }),
    onSuccess: () => qc.invalidateQueries({ queryKey: compatKeys.detail(id) }),
  });
}

/** The current run phase from the report's room (undefined until a tick arrives). */
export function useRunPhase(id: string, running: boolean): string | undefined {
  const [phase, setPhase] = useState<string>();
  const qc = useQueryClient();
  const onTick = useCallback(
    (p: CompatProgressTick) => {
      if (p.id !== id) return;
      setPhase(p.phase);
      if (p.phase === 'done') void qc.invalidateQueries({ queryKey: compatKeys.detail(id) });
    },
    [id, qc],
  );
  useRoom(running ? `compat-report:${id}` : undefined, 'compat-report:progress', onTick);
  return running ? phase : undefined;
}

export const exportUrl = (id: string) => `/api/v1/compatibility-reports/${seg(id)}/export`;
