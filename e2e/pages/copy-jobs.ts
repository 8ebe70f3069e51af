/** Page object of /copy-jobs and /copy-jobs/[id]. */
import { expect, type Download, type Locator, type Page } from '@playwright/test';

export class CopyJobsPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/copy-jobs');
    await expect(this.page.getByRole('heading', { name: 'Copy jobs', level: 2 })).toBeVisible();
  }

  row(id: string): Locator {
    return this.page.getByTestId(`copy-job-row-${id}`);
  }

  /** Fills "New copy job" and starts it; lands on the job's page and returns its id. */
  async create(opts: { source: string; targets: string[]; match?: string[]; policy?: 'Replace' | 'None' | 'Merge' }): Promise<string> {
    await this.page.getByTestId('new-copy-job').click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByTestId('copy-source').click();
    await this.page.getByRole('option', { name: opts.source, exact: true }).click();
    for (const t of opts.targets) {
      await dialog.getByTestId('copy-targets').click();
      await this.page.getByRole('option', { name: t, exact: true }).click();
    }
    await dialog.getByText('When a key already exists on a target').click();
    for (const m of opts.match ?? []) {
      await dialog.getByTestId('copy-match').fill(m);
      await dialog.getByTestId('copy-match').press('Enter');
    }
    if (opts.policy) await dialog.getByText(opts.policy, { exact: true }).click();
    await dialog.getByTestId('copy-job-submit').click();
    await expect(this.page).toHaveURL(/\/copy-jobs\/[0-9a-f-]{36}$/);
    return this.page.url().split('/').pop()!;
  }

  status(): Locator {
    return this.page.getByTestId('job-status');
  }

  async waitStatus(status: string): Promise<void> {
    await expect(this.status()).toHaveText(status, { timeout: 60_000 });
  }

  stat(name: 'scanned' | 'copied' | 'errors'): Locator {
    return this.page.getByTestId(`stat-${name}`);
  }

  /** Clicks an export link and returns the downloaded file's text. */
  async exportErrorKeys(format: 'csv' | 'jsonl'): Promise<{ download: Download; text: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId(`export-error-keys-${format}`).click()]);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { download, text: Buffer.concat(chunks).toString('utf8') };
  }

  async runVerification(mode: 'sample' | 'full'): Promise<void> {
    await this.page.getByTestId('verify-mode').getByText(mode, { exact: true }).click();
    await this.page.getByTestId('run-verification').click();
    await expect(this.page.getByTestId('verification-status')).toHaveText('completed', { timeout: 60_000 });
  }
}
