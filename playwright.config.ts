/**
 * End-to-end tests: Chromium from Debian (/usr/bin/chromium, never downloaded) against
 * the real console started by `node scripts/start.mjs` on a fresh embedded database.
 * One worker: the flows share one console and some are destructive.
 *
 *   npx playwright test            (E2E_PORT=… to move the console off 3917)
 */
import { defineConfig, devices } from '@playwright/test';
import { ADMIN_PASSWORD, ADMIN_STATE_FILE, ADMIN_TOKEN, BASE_URL, DATA_DIR, E2E_PORT, RUN_DIR } from './e2e/env';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: `${RUN_DIR}/results`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  globalSetup: './e2e/global-setup.ts',
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    baseURL: BASE_URL,
    // Signed in as the bootstrap admin (global-setup); tests about signing in clear it.
    storageState: ADMIN_STATE_FILE,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1440, height: 900 },
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1440, height: 900 },
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
        },
      },
    },
  ],
  webServer: {
    command: 'node --initial-old-space-size=64 scripts/start.mjs',
    url: `${BASE_URL}/api/v1/health`,
    reuseExistingServer: false,
    // The first run builds the Next.js app.
    timeout: 300_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      DATA_DIR,
      ADMIN_PASSWORD,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      RESTORE_INTERLAYS: 'false',
      NODE_ENV: 'production',
    },
  },
});
