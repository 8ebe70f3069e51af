import { expect, type Page } from '@playwright/test';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The console frame and the header every page shares (components/ui/PageHeader.tsx). */
export class ShellPage {
  constructor(readonly page: Page) {}

  async expectSignedInFrame(): Promise<void> {
    await expect(this.page.getByTestId('user-menu')).toBeVisible();
  }

  /**
   * The boxes of the header title's text (a Range over it, so text running out of its box
   * counts) and of each of the header's buttons.
   */
  async headerBoxes(): Promise<{ title: Box; actions: Box[]; viewportWidth: number }> {
    await expect(this.page.getByTestId('page-header-title')).toBeVisible();
    return this.page.evaluate(() => {
      const box = (r: DOMRect) => ({ x: r.x, y: r.y, width: r.width, height: r.height });
      const heading = document.querySelector('[data-testid="page-header-title"] h2');
      if (!heading) throw new Error('no page title');
      const range = document.createRange();
      range.selectNodeContents(heading);
      const actions = [...document.querySelectorAll('[data-testid="page-header-actions"] button, [data-testid="page-header-actions"] a')].map((e) => box(e.getBoundingClientRect()));
      return { title: box(range.getBoundingClientRect()), actions, viewportWidth: window.innerWidth };
    });
  }
}

export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
