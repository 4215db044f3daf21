import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  axeViolations,
  configure,
  type ExtensionBrowser,
  launchWithExtensionInLanguage,
  openOptions,
  openPopup,
  type Repository,
  startRepository,
  tabIdOf,
} from './harness.ts';

/** The browser's UI language decides the extension's: launched in French, the popup and options speak French. */

let repository: Repository;
let browser: ExtensionBrowser;

beforeAll(async () => {
  [repository, browser] = await Promise.all([startRepository(), launchWithExtensionInLanguage('fr')]);
  await configure(browser.worker, repository);
  await browser.context.route('https://www.northfield.example.gov/**', (route) =>
    route.fulfill({ body: '<title>Rapport</title><h1>Rapport</h1>', contentType: 'text/html; charset=utf-8' }),
  );
});

afterAll(async () => {
  await browser?.close();
  await repository?.close();
});

it('renders the popup and options in French', async () => {
  const page = await browser.context.newPage();
  await page.goto('https://www.northfield.example.gov/rapport');
  const tabId = await tabIdOf(browser.worker, page);
  const popup = await openPopup(browser, tabId);
  // Opened as a page, the popup has no activeTab grant on this unknown site: the French empty state shows.
  await popup
    .getByText('Rien à déclarer sur cette page — déposez un fichier ici ou choisissez Déclarer cette page.')
    .waitFor();
  await popup.getByRole('button', { name: 'Déclarer cette page' }).waitFor();
  expect(await popup.evaluate(() => document.documentElement.lang)).toMatch(/^fr/);
  expect(await axeViolations(popup)).toEqual([]);

  const options = await openOptions(browser);
  await options.getByRole('heading', { name: 'Dépôt' }).waitFor();
  await options.getByRole('button', { name: 'Tester la connexion' }).waitFor();
  await options.getByText('Boîte d’envoi').first().waitFor();
  expect(await axeViolations(options)).toEqual([]);
});
