/**
 * Typed fetch wrapper for the console's JSON API (`/api/v1/...`), used by every page and
 * by the other feature folders (interlays, copy jobs, compatibility reports).
 *
 *   const { endpoints } = await api.get<{ endpoints: EndpointView[] }>('/endpoints');
 *   await api.post('/endpoints', body);            // throws ApiError on 4xx/5xx
 *
 * Paths are relative to `/api/v1`. Cookies carry the session, so nothing here handles
 * credentials. Every non-2xx reply becomes an `ApiError` with the server's `code`,
 * user-facing `message` and field `issues` (paths like `config.read_conn.port`), which
 * `applyServerErrors` maps onto a Mantine form and `ErrorAlert` displays.
 */

export const API_BASE = '/api/v1';

export interface ApiIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isUnauthenticated(): boolean {
    return this.status === 401;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** A readable message for any error a query or mutation may throw. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export type QueryParams = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  query?: QueryParams;
  signal?: AbortSignal;
}

/** Builds `/api/v1/<path>?<query>`, dropping empty query values. */
export function apiUrl(path: string, query?: QueryParams): string {
  const url = `${API_BASE}${path.startsWith('/') ? path : `/${path}`}`;
  if (!query) return url;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `${url}?${s}` : url;
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', 'The console server is not reachable; check your connection and try again');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) throw toApiError(res.status, parsed, text);
  return parsed as T;
}

function toApiError(status: number, body: unknown, text: string): ApiError {
  const err = (body as { error?: { code?: string; message?: string; issues?: ApiIssue[]; details?: unknown } } | undefined)?.error;
  if (err && typeof err.message === 'string') {
    return new ApiError(status, err.code ?? 'ERROR', err.message, Array.isArray(err.issues) ? err.issues : [], err.details);
  }
  return new ApiError(status, 'HTTP_' + status, text.trim().slice(0, 300) || `Request failed with HTTP ${status}`);
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body: unknown = {}, opts?: RequestOptions) => request<T>('POST', path, body, opts),
  patch: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body, opts),
  put: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts),
  delete: <T = void>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
};

/** Encodes one path segment (endpoint names, usernames, ids). */
export const seg = (s: string) => encodeURIComponent(s);
