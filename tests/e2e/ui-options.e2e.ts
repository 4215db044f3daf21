import { axeViolations } from './harness.ts';
import { expect, test } from './test.ts';

/** The options page: accessible in light and dark, and its screenshots for the README. */

test('shows the connection, outbox, history and presets with no axe violations, in light and dark', async ({
  extension,
  repository,
}) => {
  const page = await extension.options();
  await page.setViewportSize({ width: 1000, height: 900 });
  await expect.poll(() => page.getByLabel('Repository URL').inputValue()).toBe(repository.url);
  await page.getByRole('heading', { name: 'Outbox' }).waitFor();
  await page.getByRole('heading', { name: 'Presets' }).waitFor();
  await page.getByLabel('Drop files here, or choose files to declare').waitFor();

  await page.getByRole('button', { name: 'Test connection' }).click();
  // Whatever the answer, it is said in the status region rather than left blank.
  await expect.poll(() => page.locator('.connection-status').innerText()).not.toBe('');

  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'docs/screenshots/options.png', fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: 'docs/screenshots/options-dark.png', fullPage: true });
});
