/** Page object of /interlays and /interlays/[id]. */
import { expect, type Locator, type Page } from '@playwright/test';

export class InterlaysPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/interlays');
    await expect(this.page.getByRole('heading', { name: 'Interlays', level: 2 })).toBeVisible();
  }

  row(id: string): Locator {
    return this.page.getByTestId(`interlay-row-${id}`);
  }

  /** `openAccess`: serve clients that never AUTH, with this reason (the form's acknowledged opt-out). */
  async create(opts: { id: string; endpoint: string; port: number; start?: boolean; maxConnections?: number; openAccess?: string }): Promise<void> {
    await this.page.getByTestId('interlay-new').click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill(opts.id);
    await dialog.getByRole('combobox', { name: 'Endpoint' }).click();
    await this.page.getByRole('option', { name: opts.endpoint, exact: true }).click();
    await dialog.getByRole('textbox', { name: 'Port' }).fill(String(opts.port));
    if (opts.maxConnections !== undefined) await dialog.getByRole('textbox', { name: 'Max connections' }).fill(String(opts.maxConnections));
    if (opts.openAccess !== undefined) {
      await dialog.getByRole('switch', { name: 'Serve clients that never AUTH' }).check();
      await expect(dialog.getByText("Anyone who reaches this port acts with the endpoint's credentials")).toBeVisible();
      await dialog.getByRole('textbox', { name: 'Reason' }).fill(opts.openAccess);
      await dialog.getByRole('checkbox', { name: /I understand/ }).check();
    }
    if (opts.start) await dialog.getByRole('checkbox', { name: 'Start it now' }).check();
    await dialog.getByTestId('interlay-save').click();
    await expect(dialog).toBeHidden();
  }

  /** Submits the create form (with a bind address only the server checks) expecting an error on `field`. */
  async createExpectingFieldError(opts: { id: string; endpoint: string; port: number; bindAddress: string }, field: string, message: RegExp): Promise<void> {
    await this.page.getByTestId('interlay-new').click();
    const dialog = this.page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill(opts.id);
    await dialog.getByRole('combobox', { name: 'Endpoint' }).click();
    await this.page.getByRole('option', { name: opts.endpoint, exact: true }).click();
    await dialog.getByRole('textbox', { name: 'Port' }).fill(String(opts.port));
    await dialog.getByRole('textbox', { name: 'Bind address' }).fill(opts.bindAddress);
    await dialog.getByTestId('interlay-save').click();
    await expect(dialog.getByRole('textbox', { name: field })).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByText(message).first()).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  }

  status(scope: Locator | Page = this.page): Locator {
    return scope.getByTestId('interlay-status').first();
  }

  async start(id: string): Promise<void> {
    await this.row(id).getByTestId('interlay-start').click();
    await expect(this.status(this.row(id))).toHaveText(/listening/);
  }

  async openDetail(id: string): Promise<void> {
    await this.row(id).getByRole('link', { name: id, exact: true }).click();
    await expect(this.page.getByRole('heading', { name: id, level: 2 })).toBeVisible();
  }

  stat(name: 'ops-total' | 'ops-per-sec' | 'connections'): Locator {
    return this.page.getByTestId(`stat-${name}`);
  }

  /** On the detail page. */
  async stop(): Promise<void> {
    await this.page.getByTestId('interlay-stop').click();
    await this.page.getByTestId('confirm-button').click();
    await expect(this.status()).toHaveText(/stopped/);
  }

  /** On the detail page; returns to the list. */
  async delete(): Promise<void> {
    await this.page.getByTestId('interlay-delete').click();
    await this.page.getByTestId('confirm-button').click();
    await expect(this.page).toHaveURL(/\/interlays$/);
  }
}
