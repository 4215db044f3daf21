import { test as base } from 'vitest';
import type { ManagedValues } from '../../utils/presets/policy.ts';
import { type FaultProxy, startFaultProxy } from './faults.ts';
import { type FirefoxExtension, launchFirefox, type StandIn, startStandIn } from './firefox.ts';
import {
  type ExtensionBrowser,
  type LaunchOptions,
  launchWithExtension,
  startRepository,
  type Tab,
} from './harness.ts';
import {
  removeChromiumPolicy,
  removeFirefoxPolicy,
  writeChromiumPolicy,
  writeFirefoxPolicy,
} from './policy-harness.ts';
import { type ServedSite, type SitePage, serveSite, sitePage } from './sites.ts';

export { expect } from 'vitest';

/**
 * The end-to-end tests' fixtures. A test (or a `test.beforeAll`) names what it needs and gets it ready. Each is
 * set up on first use, once per file unless marked "per test", and torn down when its file (or test) ends, pass
 * or fail:
 *
 * - `repository`: a reference repository on a loopback port (tests/e2e/harness.ts `Repository`); it can be
 *   stopped and started again on the same port and data.
 * - `testRepository` (per test): the same, for one test alone (faults that stop it or fill it).
 * - `faultProxy` (per test): a loopback proxy in front of `testRepository` that injects faults
 *   (tests/e2e/faults.ts).
 * - `browser`: Chromium with the built extension on a fresh profile, not connected to any repository.
 * - `extension`: the same browser, its extension connected to `repository` and holding the repository's presets.
 * - `sites`: the apps' pages served at their real URLs in `browser` (`serve`), or served and opened in a tab
 *   (`open`).
 * - `chromiumPolicy` / `firefoxPolicy`: write the machine's enterprise policy for the browser (before it is
 *   launched: call them in `test.beforeAll`); the file is removed when the test file ends.
 * - `firefox`: Firefox ESR with the built extension, over WebDriver BiDi (tests/e2e/firefox.ts).
 * - `standIn`: the loopback TLS server that serves `firefoxOptions.sites` to `firefox` at their real URLs
 *   (BiDi cannot route content scripts' requests); it records every request.
 *
 * Options, set for a file with `test.override(…)`: `launch` (Chromium: `{ headed: true }` for key presses
 * through the X server, `{ language: 'fr' }`) and `firefoxOptions` (`{ headed, sites }`).
 */

export interface OpenedSite extends ServedSite {
  tab: Tab;
  /** Waits until the badge counts the detections the page is expected to give. */
  detected(): Promise<void>;
}

export interface Sites {
  serve(site: string | SitePage, files?: Record<string, Buffer>): Promise<ServedSite>;
  open(site: string | SitePage, files?: Record<string, Buffer>): Promise<OpenedSite>;
}

export interface FirefoxFileOptions {
  /** In a real window on the X display (Xvfb in tests), where key presses reach Firefox's shortcuts. */
  headed?: boolean;
  /** The apps whose pages the loopback stand-in serves to Firefox at their real URLs (`standIn`). */
  sites?: (string | SitePage)[];
}

export interface Policy {
  write(values: ManagedValues | Record<string, unknown>): void;
}

type Cleanup = (cleanup: () => Promise<void> | void) => void;

/** A fixture that needs no other. Vitest reads a fixture's dependencies from its first parameter's pattern. */
function standalone<T>(setUp: (onCleanup: Cleanup) => Promise<T>) {
  // biome-ignore lint/correctness/noEmptyPattern: vitest requires a destructuring pattern, and nothing is needed
  return ({}, { onCleanup }: { onCleanup: Cleanup }) => setUp(onCleanup);
}

const repositoryFixture = standalone(async (onCleanup) => {
  const repository = await startRepository();
  onCleanup(() => repository.close());
  return repository;
});

export const test = base
  .extend('launch', { scope: 'file' }, {} as LaunchOptions)
  .extend('repository', { scope: 'file' }, repositoryFixture)
  .extend('testRepository', repositoryFixture)
  .extend('faultProxy', async ({ testRepository }, { onCleanup }): Promise<FaultProxy> => {
    const proxy = await startFaultProxy(() => testRepository.url);
    onCleanup(() => proxy.close());
    return proxy;
  })
  .extend('browser', { scope: 'file' }, async ({ launch }, { onCleanup }) => {
    const browser = await launchWithExtension(launch);
    onCleanup(() => browser.close());
    return browser;
  })
  .extend('extension', { scope: 'file' }, async ({ browser, repository }): Promise<ExtensionBrowser> => {
    await browser.connectTo(repository);
    return browser;
  })
  .extend('sites', { scope: 'file' }, async ({ browser }): Promise<Sites> => {
    const sites: Sites = {
      serve: (site, files) => serveSite(browser.context, site, files),
      async open(site, files) {
        const served = await sites.serve(site, files);
        const tab = await browser.open(served.url);
        return {
          ...served,
          tab,
          detected: () => browser.waitForBadge(tab.id, String(served.expected.length)),
        };
      },
    };
    return sites;
  })
  .extend(
    'chromiumPolicy',
    { scope: 'file' },
    standalone(async (onCleanup): Promise<Policy> => {
      // The policy file is machine-wide: one left by a test that was killed goes first, and this one goes last.
      removeChromiumPolicy();
      onCleanup(removeChromiumPolicy);
      return { write: writeChromiumPolicy };
    }),
  )
  .extend(
    'firefoxPolicy',
    { scope: 'file' },
    standalone(async (onCleanup): Promise<Policy> => {
      removeFirefoxPolicy();
      onCleanup(removeFirefoxPolicy);
      return { write: (values) => writeFirefoxPolicy(values as ManagedValues) };
    }),
  )
  .extend('firefoxOptions', { scope: 'file' }, {} as FirefoxFileOptions)
  .extend('standIn', { scope: 'file' }, async ({ firefoxOptions }, { onCleanup }): Promise<StandIn | undefined> => {
    if (!firefoxOptions.sites?.length) return undefined;
    const standIn = await startStandIn(
      firefoxOptions.sites.map((site) => (typeof site === 'string' ? sitePage(site) : site)),
    );
    onCleanup(() => standIn.close());
    return standIn;
  })
  .extend(
    'firefox',
    { scope: 'file' },
    async ({ firefoxOptions, standIn }, { onCleanup }): Promise<FirefoxExtension> => {
      const firefox = await launchFirefox({ headed: firefoxOptions.headed ?? false, standIn });
      onCleanup(() => firefox.close());
      return firefox;
    },
  );
