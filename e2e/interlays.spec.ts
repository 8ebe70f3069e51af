/**
 * Interlays in the browser: an endpoint seeded through the API for the set-up's
 * redis-server, an interlay created and started from the UI, real traffic from ioredis,
 * live numbers on the detail page, then stop and delete. Serial: destructive flows.
 */
import { Redis } from 'ioredis';
import { freePort } from '../test/redis-server';
import { expect, test } from './fixtures';
import { InterlaysPage } from './pages/interlays';

test.describe.configure({ mode: 'serial' });

test.describe('interlays', () => {
  test('maps the server field errors onto the form', async ({ page, seed, redis, uid }) => {
    const endpoint = `il-src-${uid}`;
    await seed.endpoint(endpoint, redis.primary.host, redis.primary.port);
    const ui = new InterlaysPage(page);
    await ui.goto();
    // The form does not check the bind address; the server's 400 names settings.bind_address.
    await ui.createExpectingFieldError({ id: `bad-${uid}`, endpoint, port: await freePort(), bindAddress: 'not an address!' }, 'Bind address', /must be an IP address/);
  });

  test('creates and starts an interlay, shows live traffic, stops and deletes it', async ({ page, api, seed, redis, uid }) => {
    const endpoint = `il-src-${uid}`;
    const id = `il-${uid}`;
    const port = await freePort();
    await seed.endpoint(endpoint, redis.primary.host, redis.primary.port);
    const ui = new InterlaysPage(page);
    let client: Redis | undefined;
    try {
      await ui.goto();
      await ui.create({ id, endpoint, port, openAccess: 'e2e clients connect without AUTH' });
      const row = ui.row(id);
      await expect(ui.status(row)).toHaveText(/stopped/);
      await expect(row.getByTestId('connection-string')).toHaveText(`redis://127.0.0.1:${port}/`);
      await ui.start(id);

      await ui.openDetail(id);
      await expect(page.getByTestId('cli-hint')).toHaveText(`redis-cli -p ${port}`);

      // Real traffic through the interlay while the page watches.
      client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      expect(await client.set(`e2e:${uid}`, 'hello')).toBe('OK');
      expect(await client.get(`e2e:${uid}`)).toBe('hello');
      const direct = new Redis({ host: redis.primary.host, port: redis.primary.port });
      expect(await direct.get(`e2e:${uid}`)).toBe('hello');
      await direct.del(`e2e:${uid}`);
      direct.disconnect();

      const c = client;
      const traffic = setInterval(() => void c.ping().catch(() => {}), 100);
      try {
        await expect(ui.stat('connections')).toHaveText(/^1 \(peak \d+\)$/);
        await expect.poll(async () => Number((await ui.stat('ops-total').textContent())?.replace(/,/g, '')), { timeout: 20_000 }).toBeGreaterThan(2);
        await expect(ui.stat('ops-per-sec')).not.toHaveText(/^(0|—)$/);
      } finally {
        clearInterval(traffic);
      }
      client.disconnect();
      client = undefined;

      await ui.stop();
      await ui.delete();
      await expect(ui.row(id)).toHaveCount(0);
    } finally {
      client?.disconnect();
      // Leaves nothing behind when an assertion failed half-way (the endpoint goes with `seed`).
      await api.post(`/api/v1/interlays/${id}/stop`, { data: { drain_timeout_ms: 0 } });
      await api.delete(`/api/v1/interlays/${id}`);
    }
  });
});
