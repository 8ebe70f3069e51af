/**
 * Data hooks of the interlays area. React Query owns the data; the `interlay:metrics`
 * socket ticks (about one a second) are written into the cache directly: the detail's
 * `metrics` and the history's points, so charts move without refetching.
 */
'use client';

import { useCallback, useRef } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/client/api';
import { interlayKeys } from '@/lib/client/interlay-keys';
import { useRoom } from '@/lib/client/socket';
import { appendPoint, toHistoryPoint, type HistoryPoint } from '@/lib/interlays/history';
import type { InterlayMetrics, InterlayView } from '@/lib/interlays/schema';
import type { InterlayMetricsTick } from '@/lib/events';

export type { InterlayMetrics, InterlayView, HistoryPoint };

export interface InterlayHistory {
  id: string;
  interval_ms: number;
  points: HistoryPoint[];
}

export function useInterlays() {
  return useQuery({
    queryKey: interlayKeys.lists(),
    queryFn: async () => (await api.get<{ interlays: InterlayView[] }>('/interlays')).interlays,
    // The list shows live connections/ops; ticks go to detail rooms only, so poll gently.
    refetchInterval: (q) => (q.state.data?.some((i) => i.status === 'listening') ? 5_000 : false),
  });
}

export function useInterlay(id: string) {
  // Live numbers: refetch on mount rather than show what the cache had when we left.
  return useQuery({ queryKey: interlayKeys.detail(id), queryFn: () => api.get<InterlayView>(`/interlays/${seg(id)}`), staleTime: 0 });
}

export function useInterlayHistory(id: string) {
  // Ticks missed while the page was closed leave a gap: refetch on mount.
  return useQuery({ queryKey: interlayKeys.history(id), queryFn: () => api.get<InterlayHistory>(`/interlays/${seg(id)}/metrics/history`), staleTime: 0 });
}

/** Joins the interlay's room and writes each tick (at most one per ~second) into the cache. */
export function useLiveMetrics(id: string, enabled: boolean): void {
  const qc = useQueryClient();
  const last = useRef(0);
  const onTick = useCallback(
    (metrics: InterlayMetricsTick) => {
      if (metrics.id !== id) return;
      // The server sends one a second; drop bursts after a reconnect so charts re-render at most ~1/s.
      const now = Date.now();
      if (now - last.current < 800) return;
      last.current = now;
      qc.setQueryData<InterlayView>(interlayKeys.detail(id), (prev) => (prev ? { ...prev, status: metrics.status, metrics } : prev));
      qc.setQueryData<InterlayHistory>(interlayKeys.history(id), (prev) =>
        prev ? { ...prev, points: appendPoint(prev.points, toHistoryPoint(metrics)) } : prev,
      );
    },
    [id, qc],
  );
  useRoom(enabled ? `interlay:${id}` : undefined, 'interlay:metrics', onTick);
}

export interface InterlayBody {
  id?: string;
  endpoint?: string;
  port?: number;
  start?: boolean;
  settings?: Record<string, unknown>;
}

export function useInterlayMutations() {
  const qc = useQueryClient();
  const done = (id?: string) => {
    void qc.invalidateQueries({ queryKey: interlayKeys.all });
    if (id) void qc.invalidateQueries({ queryKey: interlayKeys.detail(id) });
  };
  return {
    create: useMutation({ mutationFn: (body: InterlayBody) => api.post<InterlayView>('/interlays', body), onSuccess: (v) => done(v.id) }),
    update: useMutation({
      mutationFn: ({ id, body }: { id: string; body: InterlayBody }) => api.patch<InterlayView>(`/interlays/${seg(id)}`, body),
      onSuccess: (v) => done(v.id),
    }),
    start: useMutation({ mutationFn: (id: string) => api.post<InterlayView>(`/interlays/${seg(id)}/start`), onSuccess: (v) => done(v.id) }),
    stop: useMutation({ mutationFn: (id: string) => api.post<InterlayView>(`/interlays/${seg(id)}/stop`), onSuccess: (v) => done(v.id) }),
    remove: useMutation({ mutationFn: (id: string) => api.delete(`/interlays/${seg(id)}`), onSuccess: () => done() }),
  };
}
