/**
 * Cross-site request forgery defence for cookie-authenticated requests. A browser attaches
 * the session cookie to any request to the console, including a form another site posts;
 * SameSite=Lax stops most but not all (same-site subdomains, top-level POSTs in older
 * browsers, `text/plain` forms). So a state-changing request that is not authenticated by
 * `Authorization: Bearer` (which no other site can add) must:
 *
 * 1. come from the console's own pages: `Sec-Fetch-Site` is `same-origin` (or `none`, typed
 *    by the user), and `Origin`, when sent, is the console's own origin or one listed in
 *    ALLOWED_ORIGINS. Browsers send one or both on every cross-origin POST, PUT, PATCH and
 *    DELETE; a request with neither is not from a browser page, so it carries no forged intent.
 * 2. declare JSON (`Content-Type: application/json`) when they declare a type or carry a
 *    body: a form always declares url-encoded, multipart or text/plain, and a cross-site
 *    fetch with JSON needs a CORS preflight the console never grants.
 */
import { AppError } from '@/lib/errors';

type HeaderGetter = (name: string) => string | null | undefined;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * Throws FORBIDDEN when the request comes from another site's page. `ownHost` is the host
 * the browser addressed (Host, or X-Forwarded-Host set by a proxy: a cross-site page cannot
 * add that header to a browser request without a CORS preflight).
 */
export function assertSameOrigin(header: HeaderGetter, ownHost: string | undefined, allowedOrigins: readonly string[]): void {
  const origin = header('origin') ?? undefined;
  if (origin && allowedOrigins.includes(origin)) return;
  const site = header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') {
    throw new AppError('FORBIDDEN', `Refused a ${site} request: the console accepts cookie-authenticated changes only from its own pages (use an API token for automation)`);
  }
  if (origin !== undefined && !sameHost(origin, ownHost)) {
    throw new AppError('FORBIDDEN', `Refused a request from origin ${origin}: the console accepts cookie-authenticated changes only from its own pages (set ALLOWED_ORIGINS for another origin)`);
  }
}

function sameHost(origin: string, ownHost: string | undefined): boolean {
  if (!ownHost || origin === 'null') return false;
  try {
    return new URL(origin).host.toLowerCase() === ownHost.toLowerCase();
  } catch {
    return false;
  }
}

/** The host the browser addressed: X-Forwarded-Host (first), Host, or the URL's. */
export function requestHost(header: HeaderGetter, url?: string): string | undefined {
  const forwarded = header('x-forwarded-host')?.split(',')[0]?.trim();
  if (forwarded) return forwarded;
  const host = header('host');
  if (host) return host;
  return url ? new URL(url).host : undefined;
}

/** Throws UNSUPPORTED_MEDIA_TYPE unless the request declares a JSON body. */
export function assertJson(header: HeaderGetter): void {
  const type = header('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `The request body must be JSON with "Content-Type: application/json" (got ${type ? `"${type}"` : 'none'})`);
  }
}
