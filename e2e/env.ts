/**
 * Settings shared by playwright.config.ts, the global set-up and the tests: the console's
 * port, the bootstrap admin's password and API token (fixed test values, not secrets),
 * and where the set-up writes the spawned redis-servers' addresses.
 */
import path from 'node:path';

export const E2E_PORT = Number(process.env.E2E_PORT ?? 3917);
export const BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
export const ADMIN_USERNAME = 'admin';
export const ADMIN_PASSWORD = 'e2e-admin-password';
/** 40 characters; ADMIN_TOKEN needs at least 20. */
export const ADMIN_TOKEN = 'ris_e2e_0123456789abcdef0123456789abcdef0';
/**
 * One stamp per `playwright test` run, set in the runner and inherited by its workers, so
 * runs started side by side (other engineers' specs) never share files or a database.
 */
export const RUN_STAMP = (process.env.E2E_RUN_STAMP ??= String(Date.now()));
/** Fresh embedded database of the console under test. */
export const DATA_DIR = `.tmp/e2e-data-${RUN_STAMP}`;
/** Traces, screenshots and the files below. */
export const RUN_DIR = path.resolve(`.tmp/e2e-run-${RUN_STAMP}`);
export const REDIS_FILE = path.join(RUN_DIR, 'redis.json');

export interface E2eRedis {
  /** A plain redis-server for endpoints the tests create. */
  primary: { host: string; port: number; version: string };
}
/** Cookies of a signed-in admin, written by the global set-up; tests start signed in with it. */
export const ADMIN_STATE_FILE = path.join(RUN_DIR, 'admin-state.json');
