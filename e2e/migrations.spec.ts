/**
 * The whole runbook in the browser, by two people: an operator creates the run, submits
 * the setup (a wrong interlay first: the server's error lands on the input), prepares it;
 * an approver reviews the findings, acknowledges the warnings with notes and approves; the
 * operator starts execution, watches the dashboard (pausing and resuming the run once),
 * walks the canary plan, verifies and accepts the target and completes with type-to-confirm,
 * then ends the rollback window early. An app-like writer runs through
 * the interlay the whole time. At completion the source and the target are identical
 * (full comparison), and every write the writer saw acknowledged is on the target. A viewer
 * then sees it all without a single action button.
 */
import type { Page } from '@playwright/test';
import { compareServers } from '../test/compare';
import { expect, test } from './fixtures';
import { MigrationLab } from './pages/migrations-lab';
import { MigrationsPage } from './pages/migrations';
import { AckWriter } from './pages/migrations-writer';

test.describe.configure({ mode: 'serial' });

const SUFFIX = Date.now().toString(36);
const RUN_NAME = `sessions-move-${SUFFIX}`;

test.describe('guided migration: the whole runbook', () => {
  let lab: MigrationLab;
  let writer: AckWriter;
  let operator: Page;
  let approver: Page;
  let runId: string;

  test.beforeAll(async ({ playwright, browser }) => {
    lab = new MigrationLab(playwright, SUFFIX);
    await lab.up();
    writer = new AckWriter(lab.interlayPort, `app:${SUFFIX}`).start();
    await writer.advance(50);
    operator = await lab.signIn(browser, lab.operator);
    approver = await lab.signIn(browser, lab.approver);
  });

  test.afterAll(async () => {
    await writer?.stop();
    await operator?.context().close();
    await approver?.context().close();
    await lab?.down();
  });

  test('the operator creates a draft and submits the setup; the server names the wrong field', async () => {
    test.setTimeout(120_000);
    const ui = new MigrationsPage(operator);
    await ui.gotoList();
    runId = await ui.createDraft(RUN_NAME);
    lab.track(runId);
    await expect(ui.state()).toHaveText('draft');
    await expect(ui.panel('setup')).toBeVisible();

    // Source and target swapped: the interlay sits in front of the real source, which only the server knows.
    await ui.fillSetup({ source: lab.target, target: lab.source, interlay: lab.interlay, strategy: 'canary', canarySteps: [50, 100], rollbackWindowSeconds: 600 });
    await ui.submitSetup();
    await ui.expectFieldError('Interlay', /source/i);
    await expect(ui.state()).toHaveText('draft');

    await ui.fillSetup({ source: lab.source, target: lab.target, interlay: lab.interlay });
    await ui.submitSetup();
    await ui.waitState('setup submitted');
    await expect(ui.panel('prepare')).toBeVisible();
    await expect(operator.getByTestId('run-phase')).toHaveCount(0);
  });

  test('the operator prepares; an approver cannot prepare, the operator cannot approve', async () => {
    test.setTimeout(120_000);
    const ui = new MigrationsPage(operator);
    const other = new MigrationsPage(approver);
    await other.open(runId);
    await expect(approver.getByTestId('prepare-run')).toHaveCount(0);

    // The application keeps writing while the test run copies and checks its sample.
    await ui.prepare();
    await ui.waitState('awaiting review', 90_000);
    await expect(ui.panel('review')).toBeVisible();
    await expect(operator.getByTestId('checks-summary')).toBeVisible();
    await expect(ui.panel('review').locator('[data-testid$="-ack"]')).toHaveCount(0);
    await ui.showStep('approve');
    await expect(operator.getByTestId('approve-run')).toHaveCount(0);
    // The approver's page, open all along and never reloaded, followed live.
    await expect(other.state()).toHaveText('awaiting review');
    await expect(other.eventFeed()).toContainText('preparing → awaiting review (review ready)');
  });

  test('the approver reviews the findings, acknowledges the warnings and approves', async () => {
    test.setTimeout(120_000);
    const ui = new MigrationsPage(approver);
    await ui.open(runId);
    await ui.waitState('awaiting review');
    // The planted warning, open with its evidence.
    await expect(ui.panel('review').getByTestId('finding-target-not-empty').getByTestId('finding-evidence')).toContainText('total keys');
    await ui.panel('review').getByTestId('review-tab-analysis').click();
    await expect(approver.getByTestId('compat-analysis')).toBeVisible();
    await ui.panel('review').getByTestId('review-tab-test-run').click();
    await expect(approver.getByTestId('compat-test-run')).toBeVisible();
    await ui.panel('review').getByRole('tab', { name: /Findings/ }).click();

    await expect(approver.getByTestId('checks-unacknowledged')).not.toHaveText('0');
    await ui.showStep('approve');
    await expect(approver.getByTestId('approve-blockers')).toContainText(/unacknowledged|acknowledge/i);
    await ui.showStep('review');
    expect(await ui.acknowledgeWarnings('config:shared holds the same value on both sides; reviewed')).toBeGreaterThan(0);
    await expect(approver.getByTestId('checks-unacknowledged')).toHaveText('0');
    await expect(ui.panel('review').getByTestId('finding-target-not-empty')).toContainText(`Acknowledged by ${lab.approver.username}`);
    await expect(ui.eventFeed()).toContainText('acknowledge');

    await ui.showStep('approve');
    await expect(approver.getByTestId('approve-blockers')).toHaveCount(0);
    await ui.confirm('approve-run');
    await ui.waitState('approved');
    await expect(approver.getByTestId('approved-by')).toContainText(lab.approver.username);
    // Approvers approve; starting the data movement is the operator's.
    await expect(approver.getByTestId('execute-run')).toHaveCount(0);
  });

  test('the operator starts execution and watches the dashboard until the target is in sync', async () => {
    test.setTimeout(180_000);
    const ui = new MigrationsPage(operator);
    await ui.open(runId);
    await ui.waitState('approved');
    await ui.confirm('execute-run');
    await ui.waitState(/executing|synced/);
    await ui.showStep('execute');
    await expect(operator.getByTestId('copy-progress')).toBeVisible();
    await expect(operator.getByTestId('side-target')).toBeVisible();
    await expect.poll(async () => Number((await operator.getByTestId('metric-ops').textContent())?.replace(/,/g, '')), { timeout: 20_000 }).toBeGreaterThan(0);
    await ui.waitState('synced', 120_000);
    // In sync, the run stands at its traffic step; the dashboard stays one click away.
    await expect(operator.getByTestId('step-traffic')).toHaveAttribute('data-progress', 'true');
    await ui.showStep('execute');
    await expect(operator.getByTestId('metric-in-sync')).toHaveText('yes');
    await expect(operator.getByTestId('copy-progress')).toContainText('done');
    // On-call may hold the run (no traffic move, no acceptance) and let it go on where it stood.
    await operator.getByTestId('pause-run').click();
    await ui.waitState('paused (synced)');
    await expect(operator.getByTestId('pause-run')).toHaveCount(0);
    await operator.getByTestId('resume-run').click();
    await ui.waitState('synced');
    await writer.advance(100);
  });

  test('the operator walks the canary plan, each move confirmed', async () => {
    test.setTimeout(180_000);
    const ui = new MigrationsPage(operator);
    await ui.open(runId);
    await expect(ui.panel('traffic')).toBeVisible();
    const stages = await ui.walkTraffic();
    expect(stages.at(-1)).toBe('target primary');
    expect(stages).toEqual(['canary 50%', 'canary 100%', 'target primary']);
    await expect(ui.eventFeed()).toContainText('traffic');
    // Writes keep being acknowledged while the target serves.
    await writer.advance(100);
    expect(writer.failures).toEqual([]);
  });

  test('the operator verifies, accepts and completes; source and target are identical', async () => {
    test.setTimeout(240_000);
    const ui = new MigrationsPage(operator);
    await ui.open(runId);
    await ui.showStep('accept');
    const report = await writer.stop();
    expect(report.failures).toEqual([]);
    expect(report.acknowledged).toBeGreaterThan(250);
    // Every write the application saw acknowledged is on the target, which now serves it.
    expect(await writer.missingOn(lab.tgt.host, lab.tgt.port)).toEqual([]);

    await operator.getByTestId('acceptance-verify').click();
    await expect(operator.getByTestId('acceptance-met')).toHaveText('met', { timeout: 120_000 });
    await expect(operator.getByTestId('acceptance-differences')).toContainText('0');
    await ui.confirm('acceptance-confirm');
    await ui.waitState('accepting');
    await expect(operator.getByTestId('acceptance-confirmed')).toContainText(lab.operator.username);

    await ui.typeToConfirm('complete-run', RUN_NAME);
    await ui.waitState('completed');
    await ui.showStep('window');
    await expect(operator.getByTestId('window-open')).toBeVisible();
    await expect(operator.getByTestId('rollback-run')).toBeVisible();

    // The two sides hold the same keys, types, values and TTLs.
    // The last writes on the target reach the source through the mirror: wait for it to drain.
    const differences = async () => {
      const d = await compareServers(lab.src, lab.tgt, { dbs: [0] });
      return d.missing + d.extra + d.type + d.value + d.ttl;
    };
    await expect.poll(differences, { timeout: 20_000 }).toBe(0);
    const diff = await compareServers(lab.src, lab.tgt, { dbs: [0] });
    expect(diff, diff.examples.join('\n')).toMatchObject({ missing: 0, extra: 0, type: 0, value: 0, ttl: 0 });
    expect(diff.keys).toBeGreaterThan(500);

    await ui.page.getByTestId('tab-history').click();
    await expect(ui.page.getByTestId('run-history')).toContainText('accepting → completed');
  });

  test('a viewer sees the run, its dashboard and history, and no action', async ({ browser }) => {
    const page = await lab.signIn(browser, lab.viewer);
    try {
      const ui = new MigrationsPage(page);
      await ui.gotoList();
      await expect(page.getByTestId('new-migration')).toHaveCount(0);
      await expect(ui.row(runId).getByTestId('migration-row-state')).toHaveText('completed');
      await ui.open(runId);
      await expect(page.getByTestId('window-open')).toBeVisible();
      await expect(page.getByTestId('rollback-run')).toHaveCount(0);
      await expect(page.getByTestId('close-run')).toHaveCount(0);
      await ui.showStep('execute');
      await expect(page.getByTestId('copy-progress')).toBeVisible();
      await expect(page.getByTestId('pause-run')).toHaveCount(0);
      await ui.showStep('setup');
      await expect(page.getByTestId('setup-submit')).toHaveCount(0);
      await page.getByTestId('tab-history').click();
      await expect(page.getByTestId('run-history')).toContainText('awaiting review → approved');
      // The source endpoint names the run that still counts on it, with a link to it.
      await page.goto(`/endpoints/${lab.source}`);
      await expect(page.getByTestId('endpoint-used-by').filter({ hasText: 'migration' }).getByRole('link')).toHaveAttribute('href', `/migrations/${runId}`);
    } finally {
      await page.context().close();
    }
  });

  test('the operator ends the rollback window early: the run closes and the source is retired', async () => {
    const ui = new MigrationsPage(operator);
    await ui.open(runId);
    await expect(operator.getByTestId('close-run')).toHaveText('End rollback window');
    await ui.typeToConfirm('close-run', RUN_NAME, 'the target has served without trouble');
    await ui.waitState('closed');
    await ui.showStep('window');
    await expect(operator.getByTestId('window-closed')).toContainText('before the rollback window');
    await expect(operator.getByTestId('rollback-run')).toHaveCount(0);
    await expect(operator.getByTestId('close-run')).toHaveCount(0);
    await operator.getByTestId('tab-history').click();
    await expect(operator.getByTestId('run-history')).toContainText('the rollback window was ended early: the target has served without trouble');
    // The interlay serves the target only now.
    const api = await lab.apiAs(lab.operator);
    try {
      expect((await lab.call<{ stage: string }>(api, 'GET', `/interlays/${lab.interlay}/routing`)).stage).toBe('target');
    } finally {
      await api.dispose();
    }
  });
});
