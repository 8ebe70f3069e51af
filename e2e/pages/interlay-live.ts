/** Page object of the "Live migration" section and the live-path figures of /interlays/[id]. */
import { expect, type Locator, type Page } from '@playwright/test';

export type Stage = 'source' | 'dual_write' | 'shadow' | 'canary' | 'target_primary' | 'target';

export class InterlayLivePage {
  constructor(readonly page: Page) {}

  async goto(id: string): Promise<void> {
    await this.page.goto(`/interlays/${encodeURIComponent(id)}`);
    await expect(this.page.getByRole('heading', { name: id, level: 2 })).toBeVisible();
    await expect(this.section.getByTestId('sync-state')).toBeVisible();
  }

  get section(): Locator {
    return this.page.getByTestId('live-migration');
  }

  get stage(): Locator {
    return this.page.getByTestId('routing-stage');
  }

  get modal(): Locator {
    return this.page.getByTestId('move-modal');
  }

  /** Picks the target endpoint and saves the routing (in the current stage). */
  async setTarget(endpoint: string): Promise<void> {
    await this.section.getByRole('combobox', { name: 'Target endpoint' }).click();
    await this.page.getByRole('option', { name: endpoint, exact: true }).click();
    await this.section.getByTestId('routing-save').click();
    await expect(this.section.getByTestId('routing-save')).toBeDisabled();
  }

  /** Clicks a stage in the stepper; the confirmation opens and says what the move does. */
  async openMove(to: Stage): Promise<Locator> {
    await this.page.getByTestId(`stage-step-${to}`).click();
    await expect(this.modal).toBeVisible();
    return this.modal;
  }

  /** Confirms a move the server accepts, and waits for the page to show the stage. */
  async move(to: Stage): Promise<void> {
    const modal = await this.openMove(to);
    await modal.getByTestId('move-confirm').click();
    await expect(modal).toBeHidden();
    await expect(this.stage).toHaveText(to);
  }

  /** A move the server refuses (409) until it is forced with a reason. */
  async forceMove(to: Stage, reason: string): Promise<string> {
    const modal = await this.openMove(to);
    await modal.getByTestId('move-confirm').click();
    const refused = modal.getByTestId('move-refused');
    await expect(refused).toBeVisible();
    const message = (await refused.textContent()) ?? '';
    await expect(modal.getByTestId('move-force')).toBeDisabled();
    await modal.getByTestId('move-reason').fill(reason);
    await modal.getByTestId('move-force').click();
    await expect(modal).toBeHidden();
    await expect(this.stage).toHaveText(to);
    return message;
  }

  mirrorLink(name: string): Locator {
    return this.page.getByTestId(`mirror-link-${name}`);
  }

  backend(name: string): Locator {
    return this.page.getByTestId(`backend-${name}`);
  }

  /** A figure as a number (commas removed). */
  async number(locator: Locator): Promise<number> {
    return Number(((await locator.textContent()) ?? '').replace(/,/g, ''));
  }
}
