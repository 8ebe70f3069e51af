/** Page object of /compatibility and /compatibility/[id]. */
import { expect, type Locator, type Page } from '@playwright/test';

export class CompatPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/compatibility');
    await expect(this.page.getByRole('heading', { name: 'Compatibility', level: 2 })).toBeVisible();
  }

  async openReport(id: string): Promise<void> {
    await this.page.goto(`/compatibility/${id}`);
  }

  /** Creates a report through the form; lands on its page. */
  async create(opts: { source: string; target: string; policy?: 'Replace' | 'None' | 'Merge' }): Promise<string> {
    await this.page.getByTestId('compat-new').click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByTestId('compat-source').click();
    await this.page.getByRole('option', { name: opts.source, exact: true }).click();
    await dialog.getByTestId('compat-target').click();
    await this.page.getByRole('option', { name: opts.target, exact: true }).click();
    if (opts.policy) {
      await dialog.getByTestId('compat-policy').click();
      await this.page.getByRole('option', { name: opts.policy, exact: true }).click();
    }
    await dialog.getByTestId('compat-create').click();
    await expect(this.page).toHaveURL(/\/compatibility\/[0-9a-f-]{36}$/);
    return this.page.url().split('/').pop()!;
  }

  async waitCompleted(): Promise<void> {
    await expect(this.page.getByTestId('compat-status')).toHaveText(/completed/, { timeout: 30_000 });
  }

  finding(check: string): Locator {
    return this.page.getByTestId(`finding-${check}`);
  }

  async acknowledge(check: string, notes: string): Promise<void> {
    await this.finding(check).getByTestId(`finding-${check}-ack`).click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByTestId('ack-notes').fill(notes);
    await dialog.getByTestId('ack-submit').click();
    await expect(dialog).toBeHidden();
    await expect(this.page.getByTestId(`finding-${check}-acknowledged`)).toBeVisible();
  }
}
