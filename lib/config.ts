/**
 * The console's configuration: the only reader of process.env. Parsed once at start-up;
 * a bad value fails fast with a message naming the variable.
 */
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(1).max(65535);

/** A size in bytes: `16384`, or with a binary suffix `16kb`, `10mb`, `1gb` (case-insensitive). */
const byteSize = z
  .string()
  .regex(/^\d+\s*(b|kb|k|mb|m|gb|g)?$/i, 'must be a size such as 16384, 16kb or 10mb')
  .transform((v) => {
    const m = /^(\d+)\s*([a-z]*)$/i.exec(v)!;
    const unit = m[2]!.toLowerCase().replace(/b$/, '');
    return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
  })
  .refine((n) => n >= 1024, 'must be at least 1kb');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  /** HTTP port of the console (Next.js pages, /api/v1, Socket.IO). */
  PORT: port.default(3000),
  /** Address the console listens on. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** A PostgreSQL URL; when absent the console runs on embedded PostgreSQL (PGlite) in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  /** Folder for the embedded database and the generated encryption key. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** First-start admin user (used only while the database has no users). */
  ADMIN_USERNAME: z.string().regex(/^[a-zA-Z0-9_.@-]{1,64}$/, 'letters, digits and _.@- only').default('admin'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** First-start admin API token (used only while the database has no users). */
  ADMIN_TOKEN: z.string().min(20, 'must be at least 20 characters').optional(),
  /** 32-byte key for endpoint passwords at rest, as 64 hex characters or base64. Generated into DATA_DIR when absent. */
  SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== undefined, 'must be 32 bytes as 64 hex characters or base64')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How long a browser session lasts without activity. */
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
  /** Mark the session cookie Secure: `auto` does so when the request came over HTTPS. */
  COOKIE_SECURE: z.union([z.literal('auto'), bool]).default('auto'),
  /** Start interlays that were started before the last shutdown. */
  RESTORE_INTERLAYS: bool.default(true),
  /**
   * Largest request body the console accepts, checked before anything is buffered. 10 MB
   * leaves room for a direct call writing a large value; see MAX_AUTH_BODY_SIZE for sign-in.
   */
  MAX_BODY_SIZE: byteSize.prefault('10mb'),
  /** Largest body for /api/v1/auth/* (no sign-in needed to send one): a login is under 1 KB. */
  MAX_AUTH_BODY_SIZE: byteSize.prefault('16kb'),
  /**
   * Believe X-Forwarded-For from the peer (true only behind a reverse proxy that sets it).
   * Otherwise the client address (audit log, sign-in throttling) is the TCP peer's.
   */
  TRUST_PROXY: bool.default(false),
  /**
   * Origins, besides the console's own, whose pages may send cookie-authenticated writes
   * (comma-separated, e.g. `https://console.example.com`). Needed when a proxy rewrites Host.
   */
  ALLOWED_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url({ message: 'must be origins such as https://console.example.com' }).transform((u) => new URL(u).origin)))
    .default([]),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string };

export function decodeKey(v: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  const b = Buffer.from(v, 'base64');
  return b.length === 32 ? b : undefined;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment (process.env by default). Throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
