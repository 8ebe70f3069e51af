/**
 * Queries and mutations of the guided migration runs; every key comes from `migrationKeys`.
 * The `changed {kind: 'migration'}` socket event refetches the run and everything under it;
 * the run's room (`migration:<id>`) sends each persisted event, which the feed appends, and
 * after a reconnect the feed catches up from its last sequence number (GET events?after=).
 */
'use client';

import { useCallback, useEffect, useMemo } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, seg } from '@/lib/client/api';
import { migrationKeys } from '@/lib/client/migration-keys';
import { getSocket, useRoom } from '@/lib/client/socket';
import type { FindingView } from '@/lib/compat/service';
import {
  migrationRoom,
  type AcceptanceView,
  type ChecksView,
  type MetricsView,
  type MigrationEvent,
  type MigrationSetup,
  type RunState,
  type RunView,
  type TransitionView,
} from '@/lib/client/migration-types';

const path = (id: string, rest = '') => `/migrations/${seg(id)}${rest}`;

/** Events kept in the page's feed, and fetched per catch-up request (the API's default page). */
const FEED_LENGTH = 500;
const EVENTS_PAGE = 200;
/** Sub-keys of a run that an event does not make stale. */
const LOCAL_KEYS = ['events', 'samples', 'metrics'];

/** States with work running in the background: poll the run as a safety net besides the socket. */
const BUSY: readonly RunState[] = ['preparing', 'executing', 'synced', 'shifting', 'accepting', 'rolling_back'];

export function useRuns() {
  return useQuery({
    queryKey: migrationKeys.lists(),
    queryFn: async () => (await api.get<{ migrations: RunView[] }>('/migrations')).migrations,
  });
}

export function useRun(id: string) {
  return useQuery({
    queryKey: migrationKeys.detail(id),
    queryFn: () => api.get<RunView>(path(id)),
    refetchInterval: (q) => (q.state.data && BUSY.includes(q.state.data.state) ? 5_000 : false),
  });
}

export function useChecks(id: string, enabled: boolean) {
  return useQuery({ queryKey: migrationKeys.checks(id), queryFn: () => api.get<ChecksView>(path(id, '/checks')), enabled });
}

export function useAcceptance(id: string, enabled: boolean) {
  return useQuery({
    queryKey: migrationKeys.acceptance(id),
    queryFn: () => api.get<AcceptanceView>(path(id, '/acceptance')),
    enabled,
    // The verification runs in the background; poll while it does.
    refetchInterval: (q) => (q.state.data?.verification_status === 'running' ? 1_000 : false),
  });
}

export function useTransitions(id: string) {
  return useQuery({ queryKey: migrationKeys.transitions(id), queryFn: async () => (await api.get<{ transitions: TransitionView[] }>(path(id, '/transitions'))).transitions });
}

/** A metrics sample as the dashboard's charts plot it. */
export interface MetricsPoint {
  at: number;
  time: string;
  ops_per_sec: number;
  keys_per_sec: number;
  mirror_lag_ms: number;
  [side: string]: number | string;
}

function toPoint(m: MetricsView): MetricsPoint {
  const p: MetricsPoint = {
    at: m.at,
    time: new Date(m.at).toLocaleTimeString([], { hour12: false }),
    ops_per_sec: m.interlay?.ops_per_sec ?? 0,
    keys_per_sec: Math.round(m.copy?.keys_per_sec ?? 0),
    mirror_lag_ms: m.mirror?.lag_ms ?? 0,
  };
  for (const s of m.interlay?.sides ?? []) {
    p[`${s.name}_ops`] = s.ops_per_sec;
    p[`${s.name}_p99_us`] = s.p99_us;
    p[`${s.name}_p50_us`] = s.p50_us;
  }
  return p;
}

/**
 * The run's live figures, polled every second while data moves (the server computes them
 * from the interlay and the copy job; there is no push of its own), and the samples of the
 * polls since the page opened for the charts.
 */
export function useMetrics(id: string, live: boolean) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: migrationKeys.metrics(id),
    queryFn: async () => {
      const m = await api.get<MetricsView>(path(id, '/metrics'));
      qc.setQueryData<MetricsPoint[]>(migrationKeys.samples(id), (old = []) => (old.at(-1)?.at === m.at ? old : [...old, toPoint(m)].slice(-300)));
      return m;
    },
    refetchInterval: live ? 1_000 : false,
  });
}

export function useMetricSamples(id: string) {
  const qc = useQueryClient();
  // Client-only: a refetch (the socket's `changed` invalidates the whole run) keeps what was collected.
  return useQuery<MetricsPoint[]>({ queryKey: migrationKeys.samples(id), queryFn: () => qc.getQueryData<MetricsPoint[]>(migrationKeys.samples(id)) ?? [], staleTime: Infinity, gcTime: 10 * 60_000 });
}

/**
 * The run's event feed: the persisted history (GET events?after=) then the room's live
 * events. Batches are merged by `seq`, so an event that came both live and with a catch-up
 * is kept once; on every (re)connect, and when a live event skips a number, the feed asks
 * for what came after its last sequence.
 */
export function useEventFeed(id: string) {
  const qc = useQueryClient();
  const feed = useMemo(() => {
    const key = migrationKeys.events(id);
    const read = () => qc.getQueryData<MigrationEvent[]>(key) ?? [];
    const merge = (events: MigrationEvent[]) =>
      qc.setQueryData<MigrationEvent[]>(key, (old = []) => {
        const bySeq = new Map(old.map((e) => [e.seq, e]));
        for (const e of events) if (e.run_id === id) bySeq.set(e.seq, e);
        return [...bySeq.values()].sort((a, b) => a.seq - b.seq).slice(-FEED_LENGTH);
      });
    const catchUp = async () => {
      for (;;) {
        const after = read().at(-1)?.seq ?? 0;
        const { events } = await api.get<{ events: MigrationEvent[] }>(path(id, '/events'), { query: { after, limit: EVENTS_PAGE } });
        merge(events);
        if (events.length < EVENTS_PAGE) return;
      }
    };
    return { key, read, merge, catchUp };
  }, [qc, id]);

  const query = useQuery<MigrationEvent[]>({
    queryKey: feed.key,
    queryFn: async () => {
      await feed.catchUp();
      return feed.read();
    },
    staleTime: Infinity,
  });

  const onEvent = useCallback(
    (e: MigrationEvent) => {
      if (e.run_id !== id) return;
      if (e.seq > (feed.read().at(-1)?.seq ?? 0) + 1) void feed.catchUp();
      else feed.merge([e]);
      // An event may change anything the run shows (acknowledgements, acceptance, traffic…);
      // the feed itself, the polled metrics and the client-side samples are left alone.
      void qc.invalidateQueries({ queryKey: migrationKeys.detail(id), predicate: (q) => !LOCAL_KEYS.includes(String(q.queryKey[3])) });
    },
    [id, feed, qc],
  );
  useRoom(migrationRoom(id), 'migration:event', onEvent);

  useEffect(() => {
    const socket = getSocket();
    const onConnect = () => void feed.catchUp();
    socket.on('connect', onConnect);
    return () => {
      socket.off('connect', onConnect);
    };
  }, [feed]);
  return query;
}

// ---- mutations ----

/**
 * An action on a run: most answer with the run, which goes into the cache; acknowledge and
 * acceptance answer with what they changed. Either way what hangs below the run is refetched.
 */
function useRunMutation<B, R = RunView>(id: string, fn: (body: B) => Promise<R>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (res) => {
      if (isRun(res)) qc.setQueryData(migrationKeys.detail(id), res);
      void qc.invalidateQueries({ queryKey: migrationKeys.detail(id) });
      void qc.invalidateQueries({ queryKey: migrationKeys.lists() });
    },
  });
}

const isRun = (x: unknown): x is RunView => typeof x === 'object' && x !== null && 'allowed_events' in x;

export function useCreateRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string }) => api.post<RunView>('/migrations', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: migrationKeys.lists() }),
  });
}

export function useDeleteRun(id: string) {
  const qc = useQueryClient();
  return useMutation({ mutationFn: () => api.delete(path(id)), onSuccess: () => qc.invalidateQueries({ queryKey: migrationKeys.all }) });
}

export function useSubmitSetup(id: string) {
  return useRunMutation(id, (setup: MigrationSetup) => api.put<RunView>(path(id, '/setup'), setup));
}

type SimpleAction = 'prepare' | 'execute' | 'pause' | 'resume' | 'retry' | 'cancel';

export function useRunAction(id: string) {
  return useRunMutation(id, ({ action, reason }: { action: SimpleAction; reason?: string }) => api.post<RunView>(path(id, `/${action}`), action === 'prepare' || action === 'execute' ? {} : reason ? { reason } : {}));
}

export function useAcknowledge(id: string) {
  return useRunMutation(id, ({ check, notes }: { check: string; notes: string }) => api.post<FindingView>(path(id, `/findings/${seg(check)}/acknowledge`), { notes }));
}

export function useApprove(id: string) {
  return useRunMutation(id, (body: { note?: string }) => api.post<RunView>(path(id, '/approve'), body));
}

export function useApproveCompletion(id: string) {
  return useRunMutation(id, (body: { note?: string }) => api.post<RunView>(path(id, '/approve-completion'), body));
}

export function useTraffic(id: string) {
  return useRunMutation(id, (body: { step: number; force?: boolean; reason?: string }) => api.post<RunView>(path(id, '/traffic'), body));
}

export function useAcceptanceAction(id: string) {
  return useRunMutation(id, (body: { action: 'verify' | 'confirm'; accept_error_keys?: boolean; note?: string }) => api.post<AcceptanceView>(path(id, '/acceptance'), body));
}

export function useComplete(id: string) {
  return useRunMutation(id, (body: { note?: string }) => api.post<RunView>(path(id, '/complete'), body));
}

export function useCloseRun(id: string) {
  return useRunMutation(id, (body: { reason: string }) => api.post<RunView>(path(id, '/close'), body));
}

export function useRollback(id: string) {
  return useRunMutation(id, (body: { reason: string }) => api.post<RunView>(path(id, '/rollback'), body));
}
