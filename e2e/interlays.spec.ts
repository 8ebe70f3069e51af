/**
 * Interlays in the browser: an endpoint seeded through the API for a spawned redis-server,
 * an interlay created and started from the UI, real traffic from ioredis, live numbers on
 * the detail page, then stop and delete. Serial: one interlay, one port.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';
import { Redis } from 'ioredis';
import { freePort, startRedis, type RedisServer } from '../test/redis-server';
import { InterlaysPage } from './pages/interlays';
import { ADMIN_TOKEN } from './global-setup';

test.describe.configure({ mode: 'serial' });

const ENDPOINT = `e2e-il-src-${Date.now().toString(36)}`;
const INTERLAY = `e2e-il-${Date.now().toString(36)}`;

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function cleanup(request: APIRequestContext): Promise<void> {
  await request.post(`/api/v1/interlays/${INTERLAY}/stop`, { headers: auth, data: { drain_timeout_ms: 0 } });
  await request.delete(`/api/v1/interlays/${INTERLAY}`, { headers: auth });
  await request.delete(`/api/v1/endpoints/${ENDPOINT}`, { headers: auth });
}

test.describe('interlays', () => {
  let redis: RedisServer;
  let port: number;
  let client: Redis | undefined;

  test.beforeAll(async ({ request }) => {
    redis = await startRedis();
    port = await freePort();
    const r = await request.post('/api/v1/endpoints', { headers: auth, data: { endpoint: ENDPOINT, config: { target: { host: redis.host, port: redis.port } } } });
    expect(r.status(), await r.text()).toBe(201);
  });

  test.afterAll(async ({ request }) => {
    client?.disconnect();
    await cleanup(request);
    await redis?.stop();
  });

  test('shows server field errors on the form', async ({ page }) => {
    const ui = new InterlaysPage(page);
    await ui.goto();
    // 0 passes the browser's number parsing but not the server's range check.
    await ui.createExpectingFieldError({ id: INTERLAY, endpoint: ENDPOINT, port: 0 }, 'Port', /1-65535/);
  });

  test('creates and starts an interlay, shows live traffic, stops and deletes it', async ({ page }) => {
    const ui = new InterlaysPage(page);
    await ui.goto();
    await ui.create({ id: INTERLAY, endpoint: ENDPOINT, port });
    const row = ui.row(INTERLAY);
    await expect(ui.status(row)).toHaveText(/stopped/);
    await expect(row.getByTestId('connection-string')).toHaveText(`redis://127.0.0.1:${port}/`);
    await ui.start(INTERLAY);

    await ui.openDetail(INTERLAY);
    await expect(page.getByTestId('cli-hint')).toHaveText(`redis-cli -p ${port}`);

    // Real traffic through the interlay while the page watches.
    client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    expect(await client.set('e2e:interlay', 'hello')).toBe('OK');
    expect(await client.get('e2e:interlay')).toBe('hello');
    expect(redis.cli('GET', 'e2e:interlay').trim()).toBe('hello');
    const traffic = setInterval(() => void client?.get('e2e:interlay').catch(() => {}), 200);
    try {
      await expect(ui.stat('connections')).toHaveText(/^1 \(peak \d+\)$/, { timeout: 20_000 });
      await expect
        .poll(async () => Number((await ui.stat('ops-total').textContent())?.replace(/,/g, '')), { timeout: 20_000 })
        .toBeGreaterThan(2);
      await expect(ui.stat('ops-per-sec')).not.toHaveText(/^(0|—)$/, { timeout: 20_000 });
    } finally {
      clearInterval(traffic);
    }
    client.disconnect();
    client = undefined;

    await ui.stop();
    await ui.delete();
    await expect(ui.row(INTERLAY)).toHaveCount(0);
  });
});
