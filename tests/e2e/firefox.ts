import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import forge from 'node-forge';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { GECKO_ID } from '../../utils/extension-id.ts';
import { attachBrowserConsole, type BrowserConsole, DEVTOOLS_SERVER_PREFS, freePort } from './firefox-devtools.ts';
import { type ExtensionDriver, extensionDriver, FIREFOX_ADDON_UUID, PATIENCE_MS, waitFor } from './harness.ts';
import { answer, type SitePage } from './sites.ts';

/**
 * Firefox ESR with the built extension, driven by puppeteer-core over WebDriver BiDi, and the loopback stand-in
 * that serves the apps' hosts to it over TLS.
 */

export const FIREFOX_BUILD = resolve('.output/firefox-mv2');
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * The apps' hosts, served from this process: BiDi does not see (so cannot route) the requests of content scripts,
 * which fetch the originals in the page's own origin. Firefox maps the hosts to 127.0.0.1
 * (`network.dns.localDomains`) and port 443 to the stand-in's (`network.socket.forcePort`); the stand-in's
 * certificate is issued for those hosts by a CA made for this run, which only the test's profile trusts.
 */
export interface StandIn {
  /** The CA certificate, PEM. */
  ca: string;
  port: number;
  hosts: string[];
  /** Every URL requested, in order. */
  requests: string[];
  /** Firefox preferences that send the hosts to the stand-in. */
  prefs: Record<string, string>;
  close(): Promise<void>;
}

/** A certificate for `subject` valid from yesterday for a month, signed by `issuer` (itself when absent). */
function certificate(
  subject: string,
  publicKey: forge.pki.PublicKey,
  extensions: object[],
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey },
  selfKey?: forge.pki.rsa.PrivateKey,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive, random: NSS refuses a second certificate with the same issuer and serial number.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : [{ name: 'commonName', value: subject }]);
  cert.setExtensions(extensions);
  cert.sign((issuer?.key ?? selfKey)!, forge.md.sha256.create());
  return cert;
}

function rsaKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    pem: privateKey,
  };
}

export async function startStandIn(sites: SitePage[]): Promise<StandIn> {
  const hosts = [...new Set(sites.map((site) => new URL(site.url).hostname))];
  const caKeys = rsaKeys();
  const ca = certificate(
    'Recordkeeper e2e test CA',
    caKeys.publicKey,
    [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    undefined,
    caKeys.privateKey,
  );
  const leafKeys = rsaKeys();
  const leaf = certificate(
    hosts[0]!,
    leafKeys.publicKey,
    [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: hosts.map((value) => ({ type: 2, value })) },
      { name: 'subjectKeyIdentifier' },
      { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
    ],
    { cert: ca, key: caKeys.privateKey },
  );
  const requests: string[] = [];
  const byHost = new Map(sites.map((site) => [new URL(site.url).hostname, site]));
  const server = createServer({ key: leafKeys.pem, cert: forge.pki.certificateToPem(leaf) }, (req, res) => {
    const url = `https://${req.headers.host}${req.url ?? '/'}`;
    requests.push(url);
    const site = byHost.get(new URL(url).hostname);
    const { status, body, contentType } = site
      ? answer(site, url)
      : { status: 421, body: Buffer.from('Misdirected'), contentType: 'text/plain' };
    res.writeHead(status, { 'content-type': contentType, 'content-length': body.byteLength });
    res.end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    ca: forge.pki.certificateToPem(ca),
    port,
    hosts,
    requests,
    prefs: { 'network.dns.localDomains': hosts.join(','), 'network.socket.forcePort': `443=${port}` },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export interface FirefoxOptions {
  /** In a real window on the X display (Xvfb in tests), where key presses reach Firefox's shortcuts. */
  headed?: boolean;
  /** Sends the apps' hosts to this stand-in and trusts its CA. */
  standIn?: StandIn;
}

export interface FirefoxExtension extends ExtensionDriver<Page> {
  browser: Browser;
  /** The add-on's internal UUID, fixed before install: its pages live at `moz-extension://<uuid>/`. */
  uuid: string;
  /**
   * Evaluates `expression` (synchronous) in Firefox's own (privileged) browser window and returns its JSON-able
   * value, through Firefox's debugger server (tests/e2e/firefox-devtools.ts).
   */
  privileged<T>(expression: string): Promise<T>;
}

/** Firefox ESR on a fresh profile with the built extension installed (unsigned: ESR allows it with a pref). */
export async function launchFirefox(options: FirefoxOptions = {}): Promise<FirefoxExtension> {
  const { headed = false, standIn } = options;
  if (headed && !process.env.DISPLAY)
    throw new Error('A headed browser needs an X display: run the e2e tests under xvfb-run.');
  const profile = mkdtempSync(join(tmpdir(), 'rk-e2e-firefox-'));
  const uuid = FIREFOX_ADDON_UUID;
  const debuggerPort = await freePort();
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: !headed,
    protocol: 'webDriverBiDi',
    userDataDir: profile,
    protocolTimeout: PATIENCE_MS,
    // WebDriver BiDi refuses to navigate to moz-extension:// pages unless the client is allowed system access
    // (remote/shared/BrowsingContextUtils.sys.mjs, isWebdriverSafeNavigationURL: only http(s), file, blob).
    args: ['--remote-allow-system-access', '--start-debugger-server', String(debuggerPort)],
    extraPrefsFirefox: {
      ...DEVTOOLS_SERVER_PREFS,
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
      // ESR honours this: the unpacked, unsigned build installs like a signed one.
      'xpinstall.signatures.required': false,
      // Optional permissions asked for in a user gesture are granted without the doorhanger a test cannot click;
      // a request outside a gesture is still refused (toolkit/components/extensions/parent/ext-permissions.js).
      'extensions.webextOptionalPermissionPrompts': false,
      ...standIn?.prefs,
    },
  });
  let browserConsole: BrowserConsole;
  try {
    browserConsole = await attachBrowserConsole(debuggerPort);
  } catch (error) {
    await browser.close();
    throw error;
  }
  const privileged = <T>(expression: string): Promise<T> => browserConsole.evaluate<T>(expression);
  try {
    if (standIn) {
      // Trusted in this profile's certificate store only, as Firefox's own tests and its Certificates policy do.
      const base64 = standIn.ca.replace(/-----[A-Z ]+-----|\s/g, '');
      await privileged(
        `(Cc['@mozilla.org/security/x509certdb;1'].getService(Ci.nsIX509CertDB).addCertFromBase64('${base64}', 'C,,'), true)`,
      );
    }
    const id = await browser.installExtension(FIREFOX_BUILD);
    if (id !== GECKO_ID) throw new Error(`Installed add-on ${id}, expected ${GECKO_ID}`);
  } catch (error) {
    browserConsole.close();
    await browser.close();
    throw error;
  }
  const driver = extensionDriver<Page>({
    /**
     * BiDi never reports the load of a moz-extension:// page to Puppeteer (the navigation times out although the
     * page is there), so the navigation is not awaited; the page is ready once its document is the extension's.
     */
    async openExtensionPage(path) {
      const page = await browser.newPage();
      page.goto(`moz-extension://${uuid}/${path}`, { timeout: PATIENCE_MS }).catch(() => undefined);
      await waitFor(
        async () =>
          (await page
            .evaluate(() => location.protocol === 'moz-extension:' && document.readyState === 'complete')
            .catch(() => false))
            ? true
            : undefined,
        `the extension page ${path} to load`,
      );
      return page;
    },
    async newTab(url) {
      const page = await browser.newPage();
      await page.goto(url, { timeout: PATIENCE_MS });
      return page;
    },
    windowClass: 'firefox',
    build: FIREFOX_BUILD,
    async close() {
      browserConsole.close();
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  });
  return { ...driver, browser, uuid, privileged };
}
