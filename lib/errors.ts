/**
 * One application error type. `code` decides the HTTP status (one map, below); `message`
 * is fit for users; `internal` is for logs only. The same JSON shape goes over HTTP and
 * Socket.IO.
 *
 * Next bundles route handlers apart from the custom server, so an AppError thrown by a
 * service may come from another copy of this module: `isAppError` checks a global brand
 * instead of `instanceof`.
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'UPSTREAM'
  | 'UNAVAILABLE'
  | 'INTERNAL';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  UPSTREAM: 502,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface FieldIssue {
  /** Dotted path into the request body, e.g. `config.read_conn.port`. */
  path: string;
  message: string;
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: FieldIssue[]; details?: unknown };
}

const BRAND = Symbol.for('redis-interlay.AppError');

export class AppError extends Error {
  readonly [BRAND] = true;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      internal?: string;
      issues?: FieldIssue[];
      details?: unknown;
      cause?: unknown;
      /** Seconds the caller should wait before trying again (RATE_LIMITED): sent as `Retry-After`. */
      retryAfterS?: number;
    } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'AppError';
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.extra.issues ? { issues: this.extra.issues } : {}),
        ...(this.extra.details !== undefined ? { details: this.extra.details } : {}),
      },
    };
  }
}

export function isAppError(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

export const notFound = (what: string, id: string) => new AppError('NOT_FOUND', `${what} "${id}" was not found`);
export const conflict = (message: string, details?: unknown) => new AppError('CONFLICT', message, { details });
export const badRequest = (message: string, issues?: FieldIssue[]) =>
  new AppError(issues ? 'VALIDATION' : 'BAD_REQUEST', message, { issues });

/** Turns zod issues into field issues with dotted paths. */
export function zodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

/**
 * The database errors a racing request can cause (two creates of one name, a row deleted
 * meanwhile) are a conflict or a missing object for the caller, not an internal error.
 * Duck-typed: this module is bundled into route handlers and must not import Prisma.
 */
function fromDatabaseRace(e: unknown): AppError | undefined {
  if (typeof e !== 'object' || e === null || (e as { name?: unknown }).name !== 'PrismaClientKnownRequestError') return undefined;
  const code = (e as { code?: unknown }).code;
  if (code === 'P2002') return new AppError('CONFLICT', 'It already exists: another request created it at the same time', { cause: e });
  if (code === 'P2025') return new AppError('NOT_FOUND', 'It was not found: another request may have just deleted it', { cause: e });
  return undefined;
}

/** Maps any thrown value to a status, JSON body and headers; unknown errors become a generic 500. */
export function toErrorResponse(thrown: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const e = fromDatabaseRace(thrown) ?? thrown;
  if (isAppError(e)) {
    const headers: Record<string, string> = e.extra.retryAfterS !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil(e.extra.retryAfterS))) } : {};
    return { status: e.status, body: e.toJSON(), headers };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error; see the server log' } }, headers: {} };
}
