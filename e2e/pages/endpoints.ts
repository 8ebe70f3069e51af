import { expect, type Locator, type Page } from '@playwright/test';

/** /endpoints: the list. */
export class EndpointsListPage {
  constructor(readonly page: Page) {}

  async goto(): Promise<void> {
    await this.page.goto('/endpoints');
    await expect(this.page.getByRole('heading', { name: 'Endpoints' })).toBeVisible();
  }

  row(name: string): Locator {
    return this.page.getByTestId(`endpoint-row-${name}`);
  }

  newButton(): Locator {
    return this.page.getByTestId('new-endpoint');
  }
}

export interface ConnFields {
  host: string;
  port?: number;
}

/** /endpoints/new and /endpoints/[name]/edit. */
export class EndpointFormPage {
  constructor(readonly page: Page) {}

  async gotoNew(): Promise<void> {
    await this.page.goto('/endpoints/new');
    await expect(this.page.getByTestId('endpoint-form')).toBeVisible();
  }

  async fillGeneral(name: string, description = ''): Promise<void> {
    await this.page.getByTestId('endpoint-name').fill(name);
    if (description) await this.page.getByTestId('endpoint-description').fill(description);
  }

  async fillConn(role: 'read_conn' | 'write_conn', c: ConnFields): Promise<void> {
    await this.page.getByTestId(`${role}.host`).fill(c.host);
    if (c.port !== undefined) await this.page.getByTestId(`${role}.port`).fill(String(c.port));
  }

  async useJson(config: unknown): Promise<void> {
    await this.page.getByLabel('Advanced: edit as JSON').check();
    await this.page.getByTestId('config-json').fill(JSON.stringify(config, null, 2));
  }

  jsonField(): Locator {
    return this.page.getByTestId('config-json');
  }

  async save(): Promise<void> {
    await this.page.getByTestId('endpoint-save').click();
  }
}

/** /endpoints/[name]: details, check report and the command console. */
export class EndpointDetailPage {
  constructor(readonly page: Page) {}

  async goto(name: string): Promise<void> {
    await this.page.goto(`/endpoints/${name}`);
    await expect(this.page.getByRole('heading', { name, exact: true })).toBeVisible();
  }

  async check(): Promise<Locator> {
    await this.page.getByTestId('check-endpoint').click();
    const report = this.page.getByTestId('check-report');
    await expect(report).toBeVisible();
    return report;
  }

  roleCard(role: 'read' | 'write' | 'admin'): Locator {
    return this.page.getByTestId(`check-role-${role}`);
  }

  roleRadio(role: 'Read' | 'Write'): Locator {
    return this.page.getByTestId('console-role').getByRole('radio', { name: role });
  }

  /** Runs `input` on a connection the command is refused on; returns the console's hint. */
  async runRefused(role: 'read' | 'write', input: string): Promise<Locator> {
    await this.page.getByTestId('console-role').getByText(role === 'read' ? 'Read' : 'Write', { exact: true }).click();
    await this.page.getByTestId('console-input').fill(input);
    await this.page.getByTestId('console-run').click();
    const hint = this.page.getByTestId('console-result').getByTestId('console-hint');
    await expect(hint).toBeVisible();
    return hint;
  }

  /** The hint's button: switches the console to Write and runs the same commands; returns the reply boxes. */
  async switchToWriteAndRun(): Promise<Locator> {
    await this.page.getByTestId('console-switch-write').click();
    const result = this.page.getByTestId('console-result');
    await expect(result.getByTestId('console-duration')).toBeVisible();
    await expect(this.roleRadio('Write')).toBeChecked();
    return result.getByTestId('console-reply');
  }

  /** Runs `input` on the read or write connection; returns the reply boxes. */
  async run(role: 'read' | 'write', input: string): Promise<Locator> {
    await this.page.getByTestId('console-role').getByText(role === 'read' ? 'Read' : 'Write', { exact: true }).click();
    await this.page.getByTestId('console-input').fill(input);
    await this.page.getByTestId('console-run').click();
    const result = this.page.getByTestId('console-result');
    await expect(result.getByTestId('console-duration')).toBeVisible();
    return result.getByTestId('console-reply');
  }
}
