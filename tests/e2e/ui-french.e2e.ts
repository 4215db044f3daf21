import { axeViolations } from './harness.ts';
import { expect, test } from './test.ts';

/** The browser's UI language decides the extension's: launched in French, the popup and options speak French. */

test.override({ launch: { language: 'fr' } });

test('renders the popup and options in French', async ({ extension, sites }) => {
  const page = await sites.open('generic');
  const popup = await extension.popup(page.tab.id);
  // Opened as a page, the popup has no activeTab grant on this unknown site: the French empty state shows.
  await popup
    .getByText('Rien à déclarer sur cette page — déposez un fichier ici ou choisissez Déclarer cette page.')
    .waitFor();
  await popup.getByRole('button', { name: 'Déclarer cette page' }).waitFor();
  expect(await popup.evaluate(() => document.documentElement.lang)).toMatch(/^fr/);
  expect(await axeViolations(popup)).toEqual([]);

  const options = await extension.options();
  await options.getByRole('heading', { name: 'Dépôt' }).waitFor();
  await options.getByRole('button', { name: 'Tester la connexion' }).waitFor();
  await options.getByText('Boîte d’envoi').first().waitFor();
  expect(await axeViolations(options)).toEqual([]);
});
