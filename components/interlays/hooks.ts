/**
 * Data hooks of the interlays area. React Query owns the data; the `interlay:metrics`
 * socket ticks (about one a second) are written into the cache directly: the detail's
 * `metrics` and the history's points on the detail page, each row's `metrics` on the list,
 * so figures move without refetching.
 */
'use client';

import { useCallback, useEffect, useMemo, useRef } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/client/api';
import { interlayKeys } from '@/lib/client/interlay-keys';
import { throttledFetch, type LivePoint } from '@/lib/client/interlay-live';
import { useRoom, useRooms } from '@/lib/client/socket';
import { appendPoint, toHistoryPoint, type HistoryPoint } from '@/lib/interlays/history';
import type { InterlayMetrics, InterlayView, RoutingInput, RoutingView } from '@/lib/interlays/schema';
import type { ShadowDivergence } from '@/lib/interlay/shadow';
import type { ErrorKeyItem } from '@/lib/copy-jobs/views';
import type { InterlayMetricsTick } from '@/lib/events';

export type { InterlayMetrics, InterlayView, HistoryPoint, LivePoint, RoutingInput, RoutingView, ShadowDivergence };

export interface InterlayHistory {
  id: string;
  interval_ms: number;
  points: LivePoint[];
}

const ACTIVE = new Set(['starting', 'listening', 'draining']);

export function useInterlays() {
  return useQuery({ queryKey: interlayKeys.lists(), queryFn: () => throttledFetch('interlays', async () => (await api.get<{ interlays: InterlayView[] }>('/interlays')).interlays) });
}

/**
 * Live figures for the list: joins the metrics room of every running interlay shown and
 * writes their ticks into the list's cache, at most one cache write a second for all rows
 * (the first tick after a quiet second is written at once). Status changes still arrive as
 * `changed` events, which refetch the list.
 */
export function useLiveList(interlays: readonly InterlayView[] | undefined): void {
  const qc = useQueryClient();
  const pending = useRef(new Map<string, InterlayMetrics>());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFlush = useRef(0);
  const rooms = useMemo(() => (interlays ?? []).filter((i) => ACTIVE.has(i.status)).map((i) => `interlay:${i.id}`), [interlays]);
  const flush = useCallback(() => {
    timer.current = null;
    lastFlush.current = Date.now();
    const ticks = new Map(pending.current);
    pending.current.clear();
    qc.setQueryData<InterlayView[]>(interlayKeys.lists(), (prev) =>
      prev?.map((il) => {
        const m = ticks.get(il.id);
        return m && (!il.metrics || m.at > il.metrics.at) ? { ...il, status: m.status, metrics: m } : il;
      }),
    );
  }, [qc]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  useRooms(rooms, 'interlay:metrics', (t: InterlayMetricsTick) => {
    pending.current.set(t.id, t);
    if (timer.current) return;
    timer.current = setTimeout(flush, Math.max(0, 1_000 - (Date.now() - lastFlush.current)));
  });
}

export function useInterlay(id: string) {
  // Live numbers: refetch on mount rather than show what the cache had when we left.
  return useQuery({ queryKey: interlayKeys.detail(id), queryFn: () => throttledFetch(`interlay:${id}`, () => api.get<InterlayView>(`/interlays/${seg(id)}`)), staleTime: 0 });
}

export function useInterlayHistory(id: string) {
  // Ticks missed while the page was closed leave a gap: refetch on mount.
  return useQuery({
    queryKey: interlayKeys.history(id),
    queryFn: () =>
      throttledFetch(`interlay:${id}:history`, () => api.get<InterlayHistory>(`/interlays/${seg(id)}/metrics/history`)),
    staleTime: 0,
  });
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

export function useRouting(id: string) {
  return useQuery({ queryKey: interlayKeys.routing(id), queryFn: () => throttledFetch(`interlay:${id}:routing`, () => api.get<RoutingView>(`/interlays/${seg(id)}/routing`)), staleTime: 0 });
}

/** PUT routing; a 409 (a move the rules refuse without force) is left to the caller to offer a forced move. */
export function useSetRouting(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RoutingInput) => api.put<RoutingView>(`/interlays/${seg(id)}/routing`, body),
    onSuccess: (v) => {
      qc.setQueryData(interlayKeys.routing(id), v);
      void qc.invalidateQueries({ queryKey: interlayKeys.detail(id), exact: true });
    },
  });
}

/** Recent shadow divergences; refetched when the metrics count a new one (`divergent`). */
export function useShadowDivergences(id: string, divergent: number, enabled: boolean) {
  const qc = useQueryClient();
  useEffect(() => {
    if (enabled) void qc.invalidateQueries({ queryKey: interlayKeys.divergences(id) });
  }, [qc, id, divergent, enabled]);
  return useQuery({
    queryKey: interlayKeys.divergences(id),
    queryFn: () =>
      throttledFetch(`interlay:${id}:divergences`, async () => (await api.get<{ id: string; divergences: ShadowDivergence[] }>(`/interlays/${seg(id)}/shadow-divergences`)).divergences),
    enabled,
  });
}

export interface MirrorErrorKeys {
  items: ErrorKeyItem[];
  counts_by_class: Record<string, number>;
  next_cursor: string | null;
}

/** The first page of the mirror's unresolved error keys (origin `mirror`), with counts by class. */
export function useMirrorErrorKeys(id: string) {
  return useQuery({
    queryKey: interlayKeys.errorKeys(id),
    queryFn: () => throttledFetch(`interlay:${id}:error-keys`, () => api.get<MirrorErrorKeys>(`/interlays/${seg(id)}/error-keys`, { query: { resolved: false, limit: 20 } })),
  });
}

/** Re-syncs every unresolved mirror error key from the interlay's primary. */
export function useRetryMirrorErrorKeys(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<{ attempted: number; copied: number; failed: number }>(`/interlays/${seg(id)}/error-keys/retry`, {}),
    onSuccess: () => void qc.invalidateQueries({ queryKey: interlayKeys.errorKeys(id) }),
  });
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
