import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  configure,
  type ExtensionBrowser,
  launchWithExtension,
  openOptions,
  type Repository,
  startRepository,
} from './harness.ts';

/** The options page: accessible in light and dark, and its screenshots for the README. */

let repository: Repository;
let browser: ExtensionBrowser;

beforeAll(async () => {
  [repository, browser] = await Promise.all([startRepository(), launchWithExtension()]);
  await configure(browser.worker, repository);
});

afterAll(async () => {
  await browser?.close();
  await repository?.close();
});

it('shows the connection, outbox, history and presets with no axe violations, in light and dark', async () => {
  const page = await openOptions(browser);
  await page.setViewportSize({ width: 1000, height: 900 });
  await expect.poll(() => page.getByLabel('Repository URL').inputValue()).toBe(repository.server.url);
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
  await page.getByRole('heading', { name: 'Presets' }).waitFor();
  await page.getByLabel('Drop files here, or choose files to declare').waitFor();

  await page.getByRole('button', { name: 'Test connection' }).click();
  // Whatever the answer, it is said in the status region rather than left blank.
  await expect.poll(() => page.locator('.connection-status').innerText(), { timeout: 15_000 }).not.toBe('');

  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'docs/screenshots/options.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'docs/screenshots/options-dark.png', fullPage: true });
});
