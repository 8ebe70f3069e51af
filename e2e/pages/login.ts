import { expect, type Page } from '@playwright/test';

/** /login and the user menu's sign-out. */
export class LoginPage {
  constructor(readonly page: Page) {}

  async goto(next?: string): Promise<void> {
    await this.page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
    await expect(this.page.getByTestId('login-submit')).toBeVisible();
  }

  async signIn(username: string, password: string): Promise<void> {
    await this.page.getByTestId('login-username').fill(username);
    await this.page.getByTestId('login-password').fill(password);
    await this.page.getByTestId('login-submit').click();
  }

  async expectSignedInAs(username: string, role: string): Promise<void> {
    await expect(this.page.getByTestId('user-menu')).toBeVisible();
    await expect(this.page.getByTestId('role-badge')).toHaveText(role);
    await expect(this.page.getByText(`Signed in as ${username}`)).toBeVisible();
  }

  async signOut(): Promise<void> {
    await this.page.getByTestId('user-menu').click();
    await this.page.getByTestId('sign-out').click();
    await expect(this.page).toHaveURL(/\/login/);
  }
}
