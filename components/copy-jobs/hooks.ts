/** Queries and mutations of the copy job pages; every key comes from `copyJobKeys`. */
'use client';

import { useCallback } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/client/api';
import { copyJobKeys } from '@/lib/client/copy-job-keys';
import { useRoom } from '@/lib/client/socket';
import type { CopyJobView, CopyProgress, CreateCopyJobBody, ErrorKeyPage, TransitionItem, VerificationDetail, VerificationView } from './types';


export function useCopyJobs() {
  return useQuery({
    queryKey: copyJobKeys.lists(),
    queryFn: async () => (await api.get<{ jobs: CopyJobView[] }>('/copy-jobs')).jobs,
    // Lists show live rates; the socket `changed` events cover status changes.
    refetchInterval: (q) => (q.state.data?.some((j) => j.status === 'running') ? 2000 : false),
  });
}

export function useCopyJob(id: string) {
  return useQuery({ queryKey: copyJobKeys.detail(id), queryFn: () => api.get<CopyJobView>(`/copy-jobs/${seg(id)}`) });
}

export interface ThroughputPoint {
  at: number;
  time: string;
  keys_per_sec: number;
  mb_per_sec: number;
}

export function toPoint(s: { at: number; keys_per_sec: number; bytes_per_sec: number }): ThroughputPoint {
  return { at: s.at, time: new Date(s.at).toLocaleTimeString(), keys_per_sec: Math.round(s.keys_per_sec), mb_per_sec: Math.round((s.bytes_per_sec / 1048576) * 100) / 100 };
}

/**
 * Joins the job's room while it is active: each throttled `copy-job:progress` tick is
 * written into the cached job (progress and counts) and appended to the throughput series.
 */
export function useLiveProgress(id: string, active: boolean) {
  const qc = useQueryClient();
  const onTick = useCallback(
    (p: { id: string; at: number; [k: string]: unknown }) => {
      const progress = p as unknown as CopyProgress & { at: number };
      qc.setQueryData<CopyJobView>(copyJobKeys.detail(id), (old) =>
        old
          ? {
              ...old,
              progress: { ...progress, live: true },
              // `resolved` is the host's (retry / resolve happen when no run is live): kept as it is.
              counts: { ...old.counts, scanned: progress.scanned, copied: progress.copied, skipped: progress.skipped, expired: progress.expired, conflicts: progress.conflicts, errors: progress.errors, bytes: progress.bytes },
            }
          : old,
      );
      qc.setQueryData<ThroughputPoint[]>(copyJobKeys.throughput(id), (old = []) =>
        [...old, toPoint(progress)].slice(-300),
      );
      // A final state: refetch the job for status, timestamps and error key counts.
      if (['completed', 'completed_with_errors', 'failed', 'cancelled'].includes(String(progress.state))) void qc.invalidateQueries({ queryKey: copyJobKeys.detail(id) });
    },
    [qc, id],
  );
  useRoom(active ? `copy-job:${id}` : undefined, 'copy-job:progress', onTick);
}

export function useThroughput(id: string) {
  return useQuery<ThroughputPoint[]>({ queryKey: copyJobKeys.throughput(id), queryFn: () => [], staleTime: Infinity, gcTime: 10 * 60_000 });
}

/** Running or paused mid-run (the server's own predicate). */
export { isActive } from '@/lib/copy-jobs/state';

function useInvalidate(id?: string) {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: id ? copyJobKeys.detail(id) : copyJobKeys.all });
}

export function useCreateCopyJob() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateCopyJobBody) => api.post<CopyJobView>('/copy-jobs', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: copyJobKeys.lists() }),
  });
}

export function useJobAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: 'pause' | 'resume' | 'cancel') => api.post<CopyJobView>(`/copy-jobs/${seg(id)}/${action}`),
    onSuccess: (job) => {
      qc.setQueryData(copyJobKeys.detail(id), job);
      void qc.invalidateQueries({ queryKey: copyJobKeys.lists() });
    },
  });
}

export function useSetRateLimit(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (rate_limit: { keys_per_sec?: number; mb_per_sec?: number } | null) => api.patch<CopyJobView>(`/copy-jobs/${seg(id)}`, { rate_limit }),
    onSuccess: (job) => qc.setQueryData(copyJobKeys.detail(id), job),
  });
}

export interface ErrorKeyFilters {
  class?: string;
  db?: number;
  resolved?: boolean;
  search?: string;
  cursor?: string;
  limit?: number;
}

export function useErrorKeys(id: string, filters: ErrorKeyFilters) {
  return useQuery({
    queryKey: copyJobKeys.errorKeys(id, { ...filters }),
    queryFn: () => api.get<ErrorKeyPage>(`/copy-jobs/${seg(id)}/error-keys`, { query: { ...filters } }),
  });
}

export function useRetryErrorKeys(id: string) {
  const invalidate = useInvalidate(id);
  return useMutation({
    mutationFn: (body: { class?: string; ids?: string[]; db?: number }) =>
      api.post<{ attempted: number; copied: number; failed: number }>(`/copy-jobs/${seg(id)}/error-keys/retry`, body),
    onSuccess: invalidate,
  });
}

export function useResolveErrorKeys(id: string) {
  const invalidate = useInvalidate(id);
  return useMutation({
    mutationFn: (body: { class?: string; ids?: string[]; db?: number; note: string }) => api.post<{ resolved: number }>(`/copy-jobs/${seg(id)}/error-keys/resolve`, body),
    onSuccess: invalidate,
  });
}

/** A verification or its repair still runs in the background. */
const busy = (v: VerificationView | undefined) => v?.status === 'running' || v?.repair.status === 'running';

export function useVerifications(id: string) {
  return useQuery({
    queryKey: copyJobKeys.verifications(id),
    queryFn: async () => (await api.get<{ verifications: VerificationView[] }>(`/copy-jobs/${seg(id)}/verifications`)).verifications,
    // Verifications and repairs run in the background; poll while one is running.
    refetchInterval: (q) => (q.state.data?.some(busy) ? 1000 : false),
  });
}

/** Every transition notifies `changed {kind: 'copy-job', id}`, which refetches this too (keys rooted at the job). */
export function useTransitions(id: string) {
  return useQuery({
    queryKey: copyJobKeys.transitions(id),
    queryFn: async () => (await api.get<{ transitions: TransitionItem[] }>(`/copy-jobs/${seg(id)}/transitions`)).transitions,
  });
}

export function useVerification(id: string, vid: string | undefined, filters: { kind?: string; cursor?: string } = {}) {
  return useQuery({
    queryKey: copyJobKeys.verification(id, vid ?? '-', filters),
    queryFn: () => api.get<VerificationDetail>(`/copy-jobs/${seg(id)}/verifications/${seg(vid!)}`, { query: { ...filters, limit: 100 } }),
    enabled: Boolean(vid),
    refetchInterval: (q) => (busy(q.state.data) ? 1000 : false),
  });
}

export function useVerify(id: string) {
  const invalidate = useInvalidate(id);
  return useMutation({
    mutationFn: (body: { mode: 'full' | 'sample'; sample_size?: number; ttl_tolerance_ms?: number }) => api.post<VerificationView>(`/copy-jobs/${seg(id)}/verify`, body),
    onSuccess: invalidate,
  });
}

export function useRepair(id: string) {
  const invalidate = useInvalidate(id);
  return useMutation({
    mutationFn: (vid: string) => api.post<VerificationView>(`/copy-jobs/${seg(id)}/verifications/${seg(vid)}/repair`),
    onSuccess: invalidate,
  });
}
