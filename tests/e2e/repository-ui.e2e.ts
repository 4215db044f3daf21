// @vitest-environment node
import { readFileSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRecord, postRecord, sha256Hex, startTestServer, textFile } from '../../server/test/support.ts';
import { axeViolations, CHROMIUM, CHROMIUM_FLAGS } from './harness.ts';

/** The repository's page for people, in real Chromium, checked with axe-core. Needs no extension build. */

let t: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let token: string;
const eml = textFile(
  'message.eml',
  'From: Ann <ann@x.org>\r\nSubject: Grievance\r\n\r\nHello <b>there</b>.\r\n',
  'message/rfc822',
);
const grievance = makeRecord([eml], { title: 'Grievance <script>alert(1)</script> HR-2291', tags: ['grievance'] });
const invoice = makeRecord([], {
  title: 'Supplier invoice 42',
  source: { ...grievance.source, kind: 'page', sourceId: 'invoice-42' },
  classification: { categoryId: 'FIN/1' },
  tags: ['supplier'],
});

beforeAll(async () => {
  t = await startTestServer();
  token = await t.server.createToken('ann@x.org', false);
  expect((await postRecord(t.api, token, grievance, [eml])).status).toBe(201);
  expect((await postRecord(t.api, token, invoice, [])).status).toBe(201);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('repository web page', () => {
  it('signs in with a token, lists and searches records, shows a record with its audit trail', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));

    // A person follows the receipt URL without being signed in: sign in, then land on that record.
    await page.goto(`${t.server.url}/records/${grievance.id}`);
    await expect.poll(() => page.url()).toContain('/signin');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Token').fill('rk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/unknown or revoked/);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.url()).toBe(`${t.server.url}/records/${grievance.id}`);
    const cookie = (await context.cookies()).find((c) => c.name === 'rk_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // The record page: escaped title, classification, content with digest and a download, audit trail.
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(grievance.title);
    expect(await page.locator('script').count()).toBe(0);
    const main = (await page.getByRole('main').textContent()) ?? '';
    for (const text of ['HR/2.3', 'hr-case', 'grievance', 'HR-2291', sha256Hex(eml.bytes), 'declared', 'received']) {
      expect(main).toContain(text);
    }
    expect(await axeViolations(page)).toEqual([]);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'message.eml' }).click();
    const saved = await (await download).path();
    expect(readFileSync(saved!)).toEqual(Buffer.from(eml.bytes));
    await page.reload();
    expect(await page.getByRole('main').textContent()).toContain('accessed');

    // The list, its search and filters.
    await page.goto(`${t.server.url}/records`);
    expect(await page.getByRole('link', { name: /Supplier invoice/ }).count()).toBe(1);
    expect(await page.getByRole('link', { name: /Grievance/ }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Title contains').fill('invoice');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.url()).toContain('q=invoice');
    expect(await page.getByRole('link', { name: /Grievance/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /Supplier invoice/ }).count()).toBe(1);
    await page.goto(`${t.server.url}/records?category=FIN%2F1&tag=supplier`);
    expect(await page.getByRole('link', { name: /Supplier invoice/ }).count()).toBe(1);
    await page.goto(`${t.server.url}/records?tag=nothing-has-this`);
    expect(await page.getByRole('table').textContent()).toContain('No records match.');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.url()).toBe(`${t.server.url}/`);
    expect((await context.cookies()).find((c) => c.name === 'rk_session')).toBeUndefined();
    expect(scriptErrors).toEqual([]);
    await context.close();
  });

  it('serves every page with a strict CSP and no inline script', async () => {
    const response = await fetch(`${t.server.url}/signin`);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await response.text()).not.toMatch(/<script|style=/);
  });
});
