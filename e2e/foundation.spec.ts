/**
 * The console's foundation in a browser: sign-in, endpoints (create through the form,
 * check, direct read/write calls, server validation reaching the form), API tokens, and
 * what a viewer may not do. State is seeded through the API; only what a test is about
 * is clicked.
 */
import { ADMIN_PASSWORD, ADMIN_USERNAME } from './env';
import { expect, test } from './fixtures';
import { EndpointDetailPage, EndpointFormPage, EndpointsListPage } from './pages/endpoints';
import { LoginPage } from './pages/login';
import { TokensPage } from './pages/settings';

test.describe('signing in', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a signed-out visit goes to /login and back after signing in', async ({ page }) => {
    await page.goto('/audit');
    await expect(page).toHaveURL(/\/login\?next=%2Faudit/);
    const login = new LoginPage(page);
    await login.signIn(ADMIN_USERNAME, 'wrong-password');
    await expect(page.getByTestId('error-alert')).toContainText('Wrong username or password');
    await login.signIn(ADMIN_USERNAME, ADMIN_PASSWORD);
    await expect(page).toHaveURL(/\/audit$/);
    await login.expectSignedInAs(ADMIN_USERNAME, 'admin');
    await login.signOut();
  });
});

test('creates an endpoint through the form, checks it and runs commands', async ({ page, redis, uid, api }) => {
  const name = `e2e-form-${uid}`;
  const form = new EndpointFormPage(page);
  await form.gotoNew();
  await form.fillGeneral(name, 'created by the e2e test');
  await form.fillConn('read_conn', { host: redis.primary.host, port: redis.primary.port });
  await form.fillConn('write_conn', { host: redis.primary.host, port: redis.primary.port });
  await form.save();

  const detail = new EndpointDetailPage(page);
  await expect(page).toHaveURL(new RegExp(`/endpoints/${name}$`));
  await expect(page.getByRole('heading', { name, exact: true })).toBeVisible();

  const report = await detail.check();
  await expect(report.getByTestId('check-role-read-status')).toHaveText('reachable');
  await expect(report.getByTestId('check-role-write-status')).toHaveText('reachable');
  await expect(report.getByTestId('check-role-read-server')).toContainText(redis.primary.version);

  const key = `e2e:${uid}`;
  const setReplies = await detail.run('write', `SET ${key} "v"`);
  await expect(setReplies.first()).toContainText('"OK"');
  const getReplies = await detail.run('read', `GET ${key}`);
  await expect(getReplies.first()).toHaveText('"v"');
  await expect(page.getByTestId('console-history').getByRole('button')).toHaveCount(2);

  // The list shows the endpoint with its check result.
  const list = new EndpointsListPage(page);
  await list.goto();
  await expect(list.row(name).getByTestId('check-status')).toHaveText('reachable');
  await expect(list.row(name)).toContainText(`${redis.primary.host}:${redis.primary.port}`);

  await api.delete(`/api/v1/endpoints/${name}`);
});

test('a mixed config is refused and the server says why on the form', async ({ page, redis, uid }) => {
  const form = new EndpointFormPage(page);
  await form.gotoNew();
  await form.fillGeneral(`e2e-mixed-${uid}`);
  await form.useJson({
    read_conn: { host: redis.primary.host, port: redis.primary.port },
    write_conn: { host: redis.primary.host, port: redis.primary.port },
    target: { host: redis.primary.host },
  });
  await form.save();
  // The 400's issue at path `config` lands on the JSON field, and its message in the alert.
  const field = page.getByTestId('config-json');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText(/not both/).first()).toBeVisible();
  await expect(page.getByTestId('error-alert')).toContainText('config');
  await expect(page).toHaveURL(/\/endpoints\/new$/);
});

test('a server field error lands on the input it names', async ({ page, redis, uid }) => {
  const form = new EndpointFormPage(page);
  await form.gotoNew();
  await form.fillGeneral(`e2e-badfield-${uid}`);
  await form.fillConn('read_conn', { host: redis.primary.host });
  await form.fillConn('write_conn', { host: redis.primary.host });
  // The browser does not limit user names; the server does (256): config.read_conn.username.
  await page.getByTestId('read_conn.username').fill('u'.repeat(300));
  await form.save();
  await expect(page.getByTestId('read_conn.username')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('error-alert')).toContainText('read_conn.username');
  await expect(page).toHaveURL(/\/endpoints\/new$/);
});

test('creates an API token, shows its secret once, and revokes it', async ({ page, uid, api }) => {
  const tokens = new TokensPage(page);
  await tokens.goto();
  const name = `e2e-token-${uid}`;
  const secret = await tokens.create(name, 7);
  expect(secret.length).toBeGreaterThan(20);
  await expect(tokens.row(name).getByTestId('token-status')).toHaveText('active');

  // The secret works until revoked.
  const withToken = async () =>
    (await api.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${secret}` } })).status();
  expect(await withToken()).toBe(200);
  await tokens.revoke(name);
  expect(await withToken()).toBe(401);
});

test.describe('a viewer', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('sees endpoints but no write actions', async ({ page, seed, redis, uid }) => {
    const endpoint = `e2e-viewer-${uid}`;
    const username = `viewer-${uid}`;
    await seed.endpoint(endpoint, redis.primary.host, redis.primary.port);
    await seed.user(username, 'viewer-password-1', 'viewer');

    const login = new LoginPage(page);
    await login.goto('/endpoints');
    await login.signIn(username, 'viewer-password-1');
    await login.expectSignedInAs(username, 'viewer');

    const list = new EndpointsListPage(page);
    await expect(list.row(endpoint)).toBeVisible();
    await expect(list.newButton()).toHaveCount(0);
    await expect(list.row(endpoint).getByRole('button', { name: `Delete ${endpoint}` })).toHaveCount(0);
    await expect(list.row(endpoint).getByRole('link', { name: `Edit ${endpoint}` })).toHaveCount(0);

    const detail = new EndpointDetailPage(page);
    await detail.goto(endpoint);
    await expect(page.getByTestId('edit-endpoint')).toHaveCount(0);
    await expect(page.getByTestId('delete-endpoint')).toHaveCount(0);
    await expect(detail.roleRadio('Write')).toBeDisabled();
    // Reading still works.
    const replies = await detail.run('read', 'PING');
    await expect(replies.first()).toHaveText('"PONG"');
    // No Users tab in settings.
    await page.goto('/settings');
    await expect(page.getByTestId('token-new')).toBeVisible();
    await expect(page.getByTestId('tab-users')).toHaveCount(0);
  });
});
