/**
 * Rolling back from target_primary in the browser: a big_bang run seeded through the API
 * (operator and approver) up to the stage where the target serves reads and writes, with an
 * app-like writer running through the interlay from before execution until after the
 * rollback. The operator rolls back with type-to-confirm and a reason; the outcome and the
 * history show it, and every write the writer saw acknowledged is on the source.
 */
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { MigrationLab } from './pages/migrations-lab';
import { MigrationsPage } from './pages/migrations';
import { AckWriter } from './pages/migrations-writer';

test.describe.configure({ mode: 'serial' });

const SUFFIX = `rb${Date.now().toString(36)}`;
const RUN_NAME = `rollback-drill-${SUFFIX}`;

test.describe('guided migration: rollback from target_primary', () => {
  let lab: MigrationLab;
  let writer: AckWriter;
  let op: APIRequestContext;
  let ap: APIRequestContext;
  let operator: Page;
  let runId: string;

  test.beforeAll(async ({ playwright, browser }) => {
    test.setTimeout(240_000);
    lab = new MigrationLab(playwright, SUFFIX);
    await lab.up();
    op = await lab.apiAs(lab.operator);
    ap = await lab.apiAs(lab.approver);
    writer = new AckWriter(lab.interlayPort, `app:${SUFFIX}`).start();
    await writer.advance(50);
    runId = await lab.seedApproved(op, ap, RUN_NAME, { source: lab.source, target: lab.target, interlay: lab.interlay, strategy: { type: 'big_bang' } });
    await lab.executeTo(op, runId, 'target_primary');
    operator = await lab.signIn(browser, lab.operator);
  });

  test.afterAll(async () => {
    await writer?.stop();
    await operator?.context().close();
    await op?.dispose();
    await ap?.dispose();
    await lab?.down();
  });

  test('rolls back from target_primary with type-to-confirm; nothing written during the migration is lost', async () => {
    test.setTimeout(180_000);
    const ui = new MigrationsPage(operator);
    await ui.open(runId);
    await ui.waitState('shifting');
    await expect(ui.trafficStage()).toHaveText('target primary');
    // Writes acknowledged while the target is the primary: these must come back to the source.
    await writer.advance(200);

    await ui.typeToConfirm('rollback-run', RUN_NAME, 'e2e drill: back to the source');
    await ui.waitState('rolled back', 120_000);
    await expect(operator.getByTestId('rollback-outcome')).toContainText('e2e drill: back to the source');
    // Stage by stage: target primary → dual write (drained and compared) → source.
    await expect(operator.getByTestId('rollback-outcome')).toContainText(/dual write\s*source/);
    await expect(operator.getByTestId('rollback-verification')).toContainText('keys checked');
    // The comparison ran while the writer went on, so its count may be off by writes in flight; the writer's own check below is exact.
    await expect(operator.getByTestId('rollback-result')).toBeVisible();
    await expect(operator.getByTestId('rollback-run')).toHaveCount(0);

    // The writer went on through the rollback; its later writes land on the source directly.
    await writer.advance(50);
    const report = await writer.stop();
    expect(report.acknowledged).toBeGreaterThan(300);
    expect(await writer.missingOn(lab.src.host, lab.src.port)).toEqual([]);

    await operator.getByTestId('tab-history').click();
    await expect(operator.getByTestId('run-history')).toContainText('rolling back → rolled back');
    await operator.getByTestId('tab-events').click();
    await expect(ui.eventFeed()).toContainText('traffic target primary →');
  });
});
