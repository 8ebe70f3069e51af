/** Page object of /migrations and /migrations/[id] (the runbook stepper and its panels). */
import { expect, type Locator, type Page } from '@playwright/test';

export interface SetupChoice {
  source: string;
  target: string;
  interlay: string;
  strategy?: 'big_bang' | 'canary' | 'blue_green' | 'shadow';
  /** Canary read percentage steps, replacing the defaults. */
  canarySteps?: number[];
  rollbackWindowSeconds?: number;
}

export class MigrationsPage {
  constructor(readonly page: Page) {}

  async gotoList(): Promise<void> {
    await this.page.goto('/migrations');
    await expect(this.page.getByRole('heading', { name: 'Guided migrations', level: 2 })).toBeVisible();
  }

  async open(id: string): Promise<void> {
    await this.page.goto(`/migrations/${id}`);
    await expect(this.state()).toBeVisible();
  }

  row(id: string): Locator {
    return this.page.getByTestId(`migration-row-${id}`);
  }

  /** "New migration" on the list: creates a draft and lands on its page; returns its id. */
  async createDraft(name: string): Promise<string> {
    await this.page.getByTestId('new-migration').click();
    await this.page.getByTestId('new-migration-name').fill(name);
    await this.page.getByTestId('new-migration-create').click();
    await expect(this.page).toHaveURL(/\/migrations\/[0-9a-f-]{36}$/);
    await expect(this.page.getByRole('heading', { name, level: 2 })).toBeVisible();
    return this.page.url().split('/').pop()!;
  }

  state(): Locator {
    return this.page.getByTestId('run-state');
  }

  async waitState(state: string | RegExp, timeout = 60_000): Promise<void> {
    await expect(this.state()).toHaveText(state, { timeout });
  }

  panel(step: string): Locator {
    return this.page.getByTestId(`panel-${step}`);
  }

  /** Opens a step's panel from the stepper. */
  async showStep(step: string): Promise<void> {
    await this.page.getByTestId(`step-${step}`).click();
    await expect(this.panel(step)).toBeVisible();
  }

  private async pick(testId: string, option: string): Promise<void> {
    await this.page.getByTestId(testId).click();
    await this.page.getByRole('option', { name: option, exact: true }).click();
  }

  /** Fills the setup form (leaving other options at their defaults); does not submit. */
  async fillSetup(c: SetupChoice): Promise<void> {
    const form = this.page.getByTestId('setup-form');
    await this.pick('setup-source', c.source);
    await this.pick('setup-target', c.target);
    await this.page.getByTestId('setup-interlay').click();
    await this.page.getByRole('option', { name: new RegExp(`^${c.interlay} `) }).click();
    if (c.strategy) await form.getByTestId('setup-strategy').getByText(c.strategy.replace(/_/g, ' '), { exact: true }).click();
    if (c.canarySteps) {
      const steps = form.getByTestId('setup-canary-steps');
      // Trim the defaults to as many inputs as wanted, then type each value.
      while ((await steps.getByRole('textbox').count()) > c.canarySteps.length) await steps.getByRole('button', { name: 'Remove step 1' }).click();
      while ((await steps.getByRole('textbox').count()) < c.canarySteps.length) await steps.getByRole('button', { name: 'Add step' }).click();
      for (const [i, p] of c.canarySteps.entries()) await steps.getByRole('textbox', { name: `Step ${i + 1}` }).fill(String(p));
    }
    if (c.rollbackWindowSeconds !== undefined) {
      await form.getByText('seconds', { exact: true }).click();
      await form.getByTestId('setup-rollback-window').fill(String(c.rollbackWindowSeconds));
    }
  }

  async submitSetup(): Promise<void> {
    await this.page.getByTestId('setup-submit').click();
  }

  /** The input labelled `label` shows `message` as its error. */
  async expectFieldError(label: string, message: RegExp): Promise<void> {
    const form = this.page.getByTestId('setup-form');
    await expect(form.getByLabel(label, { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(form.getByText(message).first()).toBeVisible();
  }

  async prepare(): Promise<void> {
    await this.page.getByTestId('prepare-run').click();
  }

  /** Acknowledges every unacknowledged warning on the review panel with `notes`; returns how many. */
  async acknowledgeWarnings(notes: string): Promise<number> {
    const buttons = this.panel('review').locator('[data-testid$="-ack"]', { hasText: /^Acknowledge$/ });
    let n = 0;
    while ((await buttons.count()) > 0) {
      await buttons.first().click();
      const dialog = this.page.getByRole('dialog');
      await dialog.getByTestId('ack-notes').fill(notes);
      await dialog.getByTestId('ack-submit').click();
      await expect(dialog).toBeHidden();
      n++;
    }
    return n;
  }

  /** Clicks a ConfirmButton and confirms its modal. */
  async confirm(testId: string): Promise<void> {
    await this.page.getByTestId(testId).click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByTestId('confirm-button').click();
    await expect(dialog).toBeHidden({ timeout: 30_000 });
  }

  /** A TypeToConfirm: types the phrase (and a reason when asked), then confirms. */
  async typeToConfirm(testId: string, phrase: string, reason?: string): Promise<void> {
    await this.page.getByTestId(testId).click();
    const dialog = this.page.getByRole('dialog');
    const confirm = dialog.getByTestId(`${testId}-confirm`);
    if (reason !== undefined) await dialog.getByTestId(`${testId}-reason`).fill(reason);
    await dialog.getByTestId(`${testId}-phrase`).fill(phrase.slice(0, -1));
    await expect(confirm).toBeDisabled();
    await dialog.getByTestId(`${testId}-phrase`).fill(phrase);
    await confirm.click();
    await expect(dialog).toBeHidden({ timeout: 30_000 });
  }

  trafficStage(): Locator {
    return this.page.getByTestId('traffic-stage');
  }

  /** Moves traffic through every remaining step of the plan, one confirmation each; returns the stages passed. */
  async walkTraffic(): Promise<string[]> {
    const stages: string[] = [];
    const next = this.page.getByTestId('traffic-next');
    while ((await next.count()) > 0) {
      const before = await this.trafficStage().textContent();
      await this.confirm('traffic-next');
      await expect(this.trafficStage()).not.toHaveText(before ?? '', { timeout: 30_000 });
      stages.push((await this.trafficStage().textContent()) ?? '');
    }
    return stages;
  }

  eventFeed(): Locator {
    return this.page.getByTestId('event-feed');
  }
}
