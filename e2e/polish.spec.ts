/**
 * First-run polish a person noticed (issue 13, "While you are in the UI"): unknown pages
 * inside the console frame, an icon, the endpoint's record revision not reading like a Redis
 * version, zero finding counts not shown in red, page headers that wrap on a phone, and the
 * audit log's whole ids linked to their objects.
 *
 *   E2E_PORT=3951 npx playwright test e2e/polish.spec.ts
 */
import { expect, test } from './fixtures';
import { startRedis, type RedisServer } from '../test/redis-server';
import { overlaps, ShellPage } from './pages/shell';

test('an unknown page shows a not-found page inside the console frame, with a way home', async ({ page }) => {
  const res = await page.goto('/no-such-page/at-all');
  expect(res?.status()).toBe(404);
  await new ShellPage(page).expectSignedInFrame();
  await expect(page.getByTestId('not-found')).toContainText('/no-such-page/at-all');
  await expect(page.getByRole('link', { name: 'Endpoints' })).toBeVisible();
  await page.getByTestId('not-found-home').click();
  await expect(page).toHaveURL(/\/endpoints$/);
});

test('the console has an icon: /favicon.ico and the linked icon are served', async ({ page, request }) => {
  const ico = await request.get('/favicon.ico');
  expect(ico.status()).toBe(200);
  expect(ico.headers()['content-type']).toContain('image/');
  await page.goto('/endpoints');
  const href = await page.locator('link[rel="icon"][type="image/svg+xml"]').getAttribute('href');
  expect(href).toBeTruthy();
  const svg = await request.get(href!);
  expect(svg.status()).toBe(200);
  expect(await svg.text()).toContain('<svg');
});

test('an endpoint shows its record revision as "rev N" with an explanation, not as a version', async ({ page, seed, redis, uid }) => {
  const name = `e2e-rev-${uid}`;
  await seed.endpoint(name, redis.primary.host, redis.primary.port);
  await page.goto(`/endpoints/${name}`);
  const rev = page.getByTestId('endpoint-revision');
  await expect(rev).toHaveText('rev 1');
  await expect(page.getByText('Record revision', { exact: true })).toBeVisible();
  await expect(page.getByText('Version', { exact: true })).toHaveCount(0);
  await rev.hover();
  await expect(page.getByRole('tooltip')).toContainText('Record revision');
});

test.describe('with a compatibility report', () => {
  let src: RedisServer;
  let tgt: RedisServer;
  const names: string[] = [];
  let reportId = '';

  test.beforeAll(async ({ api }) => {
    test.setTimeout(120_000);
    [src, tgt] = await Promise.all([startRedis(), startRedis()]);
    src.cli('SET', 'user:1', 'alice');
    const stamp = Date.now().toString(36);
    for (const [name, s] of [[`e2e-polish-src-${stamp}`, src], [`e2e-polish-tgt-${stamp}`, tgt]] as const) {
      const r = await api.post('/api/v1/endpoints', { data: { endpoint: name, config: { target: { host: s.host, port: s.port } } } });
      expect(r.status(), await r.text()).toBe(201);
      names.push(name);
    }
    const r = await api.post('/api/v1/compatibility-reports', { data: { source: names[0], target: names[1] } });
    expect(r.status(), await r.text()).toBe(201);
    reportId = (await r.json()).id;
    await expect
      .poll(async () => (await (await api.get(`/api/v1/compatibility-reports/${reportId}`)).json()).status, { timeout: 60_000 })
      .toBe('completed');
  });

  test.afterAll(async ({ api }) => {
    for (const n of names) await api.delete(`/api/v1/endpoints/${n}`);
    await Promise.all([src?.stop(), tgt?.stop()]);
  });

  test('zero blocking findings are not a red badge; a non-zero count keeps its colour', async ({ page, api }) => {
    const report = await (await api.get(`/api/v1/compatibility-reports/${reportId}`)).json();
    expect(report.summary.blocking).toBe(0);
    await page.goto('/compatibility');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `${names[0]} → ${names[1]}` }) });
    const blocking = row.getByTestId('finding-count-blocking');
    await expect(blocking).toHaveText('0 blocking');
    const colour = (l: typeof blocking) => l.evaluate((e) => getComputedStyle(e).color);
    // Mantine's gray light badge: the same colour as any other neutral zero count, never the red one.
    const [r, g, b] = (await colour(blocking)).match(/\d+/g)!.map(Number);
    expect(r! - Math.min(g!, b!), `0 blocking is drawn in rgb(${r}, ${g}, ${b})`).toBeLessThan(40);
    const infoCount = report.summary.info as number;
    if (infoCount > 0) {
      const [ri, gi, bi] = (await colour(row.getByTestId('finding-count-info'))).match(/\d+/g)!.map(Number);
      expect(bi! - Math.min(ri!, gi!), 'a non-zero info count stays blue').toBeGreaterThan(40);
    }
  });

  test('the audit log shows whole ids in one naming scheme, linked to their objects', async ({ page }) => {
    await page.goto('/audit?object_type=compat_report');
    const link = page.getByTestId('audit-object-link').filter({ hasText: reportId });
    await expect(link.first()).toHaveText(reportId);
    await expect(page.getByTestId('audit-table')).toContainText('compat_report.create');
    await link.first().click();
    await expect(page).toHaveURL(new RegExp(`/compatibility/${reportId}$`));

    await page.goto(`/audit?object_type=endpoint&object_id=${names[0]}`);
    await expect(page.getByTestId('audit-table')).toContainText('endpoint.create');
    await expect(page.getByTestId('audit-object-link').first()).toHaveAttribute('href', `/endpoints/${names[0]}`);
  });

  test('at 390 px wide, page titles and their buttons do not overlap', async ({ page }) => {
    await page.setViewportSize({ width: 390, height: 844 });
    const shell = new ShellPage(page);
    for (const url of ['/endpoints', `/endpoints/${names[0]}`, '/interlays', '/copy-jobs', '/compatibility', `/compatibility/${reportId}`]) {
      await page.goto(url);
      const { title, actions, viewportWidth } = await shell.headerBoxes();
      expect(actions.length, `${url} has header buttons`).toBeGreaterThan(0);
      for (const a of actions) {
        expect(overlaps(title, a), `${url}: title ${JSON.stringify(title)} and button ${JSON.stringify(a)}`).toBe(false);
        expect(a.x + a.width, `${url}: a button runs off the screen`).toBeLessThanOrEqual(viewportWidth);
      }
    }
  });
});
