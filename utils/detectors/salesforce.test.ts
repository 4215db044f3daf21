// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import {
  describeStaysOffOthers,
  itDetectsFixtures,
  itGatesUrls,
  itReportsThrowing,
  parse,
  primaryFetch,
} from './fixtures/support';
import { recordFromUrl, salesforce, toId18 } from './salesforce';

const page = (title: string, body = '') =>
  parse(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
const highlights = (label: string, name: string) =>
  `<records-highlights2><records-entity-label slot="entityLabel">${label}</records-entity-label><slot name="primaryField"><lightning-formatted-text slot="primaryField">${name}</lightning-formatted-text></slot></records-highlights2>`;
const ACCOUNT = new URL('https://acme.lightning.force.com/lightning/r/Account/001D000000IqhSLIAZ/view');

describe('salesforce fixtures', () => {
  itDetectsFixtures(salesforce, 'salesforce');
});

describeStaysOffOthers(salesforce, 'salesforce');

describe('salesforce ids', () => {
  it('adds the checksum suffix to 15-character ids and checks it on 18-character ones', () => {
    expect(toId18('001D000000IqhSL')).toBe('001D000000IqhSLIAZ');
    expect(toId18('001D000000IqhSLIAZ')).toBe('001D000000IqhSLIAZ');
    expect(toId18('001D000000IqhSLiaz')).toBe('001D000000IqhSLIAZ');
    expect(toId18('001D000000IqhSLAAA')).toBeUndefined();
    expect(toId18('001D000000Iqh')).toBeUndefined();
    expect(toId18('001D000000Iqh$L')).toBeUndefined();
  });

  const urls: [string, ReturnType<typeof recordFromUrl>][] = [
    [
      'https://a.lightning.force.com/lightning/r/Account/001D000000IqhSLIAZ/view',
      { id: '001D000000IqhSLIAZ', objectType: 'Account' },
    ],
    [
      'https://a.lightning.force.com/lightning/r/Invoice__c/a014x00000AbCdE/view',
      { id: 'a014x00000AbCdEAAV', objectType: 'Invoice__c' },
    ],
    [
      'https://a.lightning.force.com/lightning/r/5004x00000Ab1Cd/view',
      { id: '5004x00000Ab1CdAAJ', objectType: 'Case' },
    ],
    [
      'https://a.lightning.force.com/lightning/r/a014x00000AbCdE/view',
      { id: 'a014x00000AbCdEAAV', objectType: undefined },
    ],
    [
      'https://a.lightning.force.com/one/one.app#/sObject/001D000000IqhSL/view',
      { id: '001D000000IqhSLIAZ', objectType: 'Account' },
    ],
    ['https://a.lightning.force.com/lightning/r/Account/001D000000IqhSLIAZ/edit', undefined],
    ['https://a.lightning.force.com/lightning/r/Account/001D000000IqhSLIAZ/related/Contacts/view', undefined],
    ['https://a.lightning.force.com/lightning/o/Account/list', undefined],
    ['https://a.lightning.force.com/lightning/r/Account/001D000000IqhSLAAA/view', undefined],
  ];
  for (const [url, expected] of urls) it(`reads ${url}`, () => expect(recordFromUrl(new URL(url))).toEqual(expected));
});

describe('salesforce signals and fallbacks', () => {
  it('prefers the highlights panel, then the tab title', () => {
    const [a] = salesforce.detect(page('Other | Account | Salesforce', highlights('Account', 'Northwind')), ACCOUNT);
    expect([a?.title, a?.via]).toEqual(['Northwind', 'highlights']);
    const [b] = salesforce.detect(page('Northwind | Account | Salesforce'), ACCOUNT);
    expect([b?.title, b?.via, b?.metadata.identifiers?.objectLabel]).toEqual(['Northwind', 'title', 'Account']);
    const [c] = salesforce.detect(page('A | B | Account | Salesforce'), ACCOUNT);
    expect(c?.title).toBe('A | B');
    expect(salesforce.detect(page('Northwind | Salesforce'), ACCOUNT)[0]?.title).toBe('Northwind');
  });

  it('uses the tab title when a console keeps several highlights panels', () => {
    const doc = page('Second | Account | Salesforce', highlights('Account', 'First') + highlights('Account', 'Second'));
    expect(salesforce.detect(doc, ACCOUNT)[0]?.title).toBe('Second');
  });

  it('gives nothing while the record is loading', () => {
    expect(salesforce.detect(page('Salesforce'), ACCOUNT)).toEqual([]);
    expect(salesforce.detect(page('Loading...'), ACCOUNT)).toEqual([]);
  });

  it('downloads ContentVersion and legacy Attachment files from their servlets', () => {
    const version = new URL('https://acme.lightning.force.com/lightning/r/ContentVersion/0684x000001RmTqAAK/view');
    expect(salesforce.detect(page('notes.txt | Salesforce'), version)[0]?.capture.parts[0]).toEqual(
      primaryFetch(
        'https://acme.lightning.force.com/sfc/servlet.shepherd/version/download/0684x000001RmTqAAK',
        'notes.txt',
        'text/plain',
      ),
    );
    const attachment = new URL('https://acme.lightning.force.com/lightning/r/00P4x00000Qz9Lm/view');
    const [d] = salesforce.detect(page('scan | Attachment | Salesforce'), attachment);
    expect(d?.source.kind).toBe('file');
    expect(d?.capture.parts[0]).toMatchObject({
      url: 'https://acme.lightning.force.com/servlet/servlet.FileDownload?file=00P4x00000Qz9LmEAJ',
      mimeType: 'application/octet-stream',
    });
  });
});

describe('salesforce never throws', () => {
  itReportsThrowing(salesforce, ACCOUNT);

  it('stays bounded on 10 000 highlights panels', () => {
    const flood = Array.from({ length: 10_000 }, (_, i) => highlights('Account', `N${i}`)).join('');
    const detections = salesforce.detect(page(`${'x'.repeat(5000)} | Account | Salesforce`, flood), ACCOUNT);
    expect(detections).toHaveLength(1);
    expect(detections[0]!.title.length).toBeLessThanOrEqual(1024);
  }, 120_000);
});

describe('salesforce ids', () => {
  itGatesUrls(salesforce, {
    yes: [
      'https://acme.lightning.force.com/lightning/page/home',
      'https://acme--uat.sandbox.lightning.force.com/lightning/r/Account/001D000000IqhSLIAZ/view',
    ],
    no: [
      'http://acme.lightning.force.com/lightning/page/home',
      'https://acme.my.salesforce.com/001D000000IqhSL',
      'https://acme.lightning.force.com.evil.example/lightning/r/Account/001D000000IqhSLIAZ/view',
      'https://evil.example/lightning/r/Account/001D000000IqhSLIAZ/view',
    ],
  });
});
