import { expect, type Locator, type Page } from '@playwright/test';

/** /settings → API tokens. */
export class TokensPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/settings?tab=tokens');
    await expect(this.page.getByTestId('token-new')).toBeVisible();
  }

  row(name: string): Locator {
    return this.page.getByTestId(`token-row-${name}`);
  }

  /** Creates a token and returns the secret shown once. */
  async create(name: string, days?: number): Promise<string> {
    await this.page.getByTestId('token-new').click();
    await this.page.getByTestId('token-name').fill(name);
    if (days !== undefined) await this.page.getByTestId('token-expiry').fill(String(days));
    await this.page.getByTestId('token-create-submit').click();
    const secret = this.page.getByTestId('token-secret');
    await expect(secret).toBeVisible();
    const value = (await secret.textContent())?.trim() ?? '';
    await this.page.getByTestId('token-secret-done').click();
    await expect(secret).toBeHidden();
    return value;
  }

  async revoke(name: string): Promise<void> {
    await this.page.getByTestId(`token-revoke-${name}`).click();
    await this.page.getByTestId('confirm-button').click();
    await expect(this.row(name).getByTestId('token-status')).toHaveText('revoked');
  }
}
