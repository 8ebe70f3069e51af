/**
 * Who is signed in and what they may do. `useMe()` reads `/auth/me` once per session (the
 * console shell redirects to /login on 401); `useCan('operate')` hides or disables actions
 * the user's role does not allow. The server checks again on every request.
 */
'use client';

import { useQuery } from '@tanstack/react-query';
import { api } from './api';
import { authKeys } from './query-keys';
import type { Me, Permission } from './types';

export function meQueryOptions() {
  return {
    queryKey: authKeys.me(),
    queryFn: () => api.get<Me>('/auth/me'),
    staleTime: 60_000,
    retry: false,
  } as const;
}

export function useMe() {
  return useQuery(meQueryOptions());
}

export function useCan(permission: Permission): boolean {
  const { data } = useMe();
  return data?.permissions.includes(permission) ?? false;
}

/** Where to go after signing in: only same-origin paths, never back to /login. */
export function safeNext(next: string | null | undefined, fallback = '/endpoints'): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return fallback;
  return next;
}
