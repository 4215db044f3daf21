// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures/fixtures';
import { describeStaysOffOthers, itDetectsFixtures, itGatesUrls, parse } from './fixtures/support';
import { issueKeyFromUrl, jira } from './jira';
import { runDetectorList } from './runner';

const page = (head: string, body: string) =>
  parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const BROWSE = new URL('https://acme-records.atlassian.net/browse/REC-42');
const breadcrumb = (key: string, attribute = 'data-testid') =>
  `<a ${attribute}="issue.views.issue-base.foundation.breadcrumbs.current-issue.item" href="/browse/${key}">${key}</a>`;
const summary = (text: string) => `<h1 data-testid="issue.views.issue-base.foundation.summary.heading">${text}</h1>`;

describe('jira fixtures', () => {
  itDetectsFixtures(jira, 'jira');

  it('has an e2e fixture whose XML export is served at the capture URL', () => {
    const e2e = loadFixtures('jira').find((f) => f.file === 'e2e-issue.html')!;
    const [d] = jira.detect(parse(e2e.html), new URL(e2e.url));
    expect(d?.capture.parts[0]).toMatchObject({
      source: 'fetch',
      url: 'https://acme-records.atlassian.net/si/jira.issueviews:issue-xml/REC-101/REC-101.xml',
      mimeType: 'application/xml',
    });
  });
});

describeStaysOffOthers(jira, 'jira');

describe('jira URL grammar', () => {
  const keys: Record<string, string | undefined> = {
    'https://acme.atlassian.net/browse/REC-42': 'REC-42',
    'https://acme.atlassian.net/browse/AB_2-7/': 'AB_2-7',
    'https://acme.atlassian.net/jira/software/projects/REC/boards/3?selectedIssue=REC-9': 'REC-9',
    'https://acme.atlassian.net/jira/software/c/projects/REC/boards/3/backlog?selectedIssue=REC-10': 'REC-10',
    'https://acme.atlassian.net/jira/software/c/projects/REC/issues/?jql=x&selectedIssue=REC-11': 'REC-11',
    'https://acme.atlassian.net/jira/software/projects/REC/issues/REC-12': 'REC-12',
    'https://acme.atlassian.net/jira/servicedesk/projects/HELP/queues/custom/4/HELP-3': 'HELP-3',
    'https://acme.atlassian.net/browse/REC': undefined,
    'https://acme.atlassian.net/browse/rec-1': undefined,
    'https://acme.atlassian.net/browse/REC-0': undefined,
    'https://acme.atlassian.net/jira/software/projects/REC/boards/3?selectedIssue=<script>': undefined,
  };
  for (const [url, key] of Object.entries(keys))
    it(`reads ${key ?? 'no key'} from ${url}`, () => expect(issueKeyFromUrl(new URL(url))).toBe(key));

  itGatesUrls(jira, {
    yes: [
      'https://acme.atlassian.net/browse/REC-1',
      'https://acme.atlassian.net/jira/your-work',
      // Server and Data Center on any host, by their issue URL shapes (the page must then prove it).
      'https://jira.example.org/browse/REC-1',
      'http://intranet.example.org/jira/browse/REC-1',
      'https://jira.example.org/projects/REC/issues/REC-1?filter=allopenissues',
    ],
    no: [
      'http://acme.atlassian.net/browse/REC-1',
      'https://acme.atlassian.net/wiki/spaces/RM/pages/1/X',
      'https://jira.example.org/secure/Dashboard.jspa',
      'https://shop.example.org/browse/shoes',
    ],
  });

  it('gives nothing off Cloud unless the page names the issue in Jira Server’s own data', () => {
    const doc = page('', breadcrumb('REC-42') + summary('Hello'));
    expect(jira.detect(doc, new URL('https://jira.example.org/browse/REC-42'))).toEqual([]);
    const server = page('<meta name="ajs-issue-key" content="REC-42">', '<h1 id="summary-val">Hello</h1>');
    expect(jira.detect(server, new URL('https://jira.example.org/browse/REC-42'))[0]?.title).toBe('[REC-42] Hello');
    expect(jira.detect(server, new URL('https://jira.example.org/browse/REC-41'))).toEqual([]);
  });
});

describe('jira signals and fallbacks', () => {
  it('reads the key from the breadcrumb and the summary from the heading', () => {
    const [d] = jira.detect(page('', breadcrumb('REC-42') + summary('Hello')), BROWSE);
    expect(d?.title).toBe('[REC-42] Hello');
    expect(d?.via).toBe('data-testid');
  });

  it('understands the older data-test-id spelling', () => {
    const doc = page(
      '',
      `${breadcrumb('REC-42', 'data-test-id')}<h1 data-test-id="issue.views.issue-base.foundation.summary.heading">Old</h1>`,
    );
    expect(jira.detect(doc, BROWSE)[0]?.title).toBe('[REC-42] Old');
  });

  it('falls back to the "[KEY] Summary - Jira" title when no data-testid is there', () => {
    const [d] = jira.detect(page('<title>[REC-42] From the title - Jira</title>', '<h1 class="x">x</h1>'), BROWSE);
    expect(d?.title).toBe('[REC-42] From the title');
    expect(d?.via).toBe('title');
  });

  it('ignores a title naming another issue than the URL', () => {
    expect(jira.detect(page('<title>[REC-7] Other - Jira</title>', ''), BROWSE)).toEqual([]);
  });

  it('gives nothing while the breadcrumb and the URL disagree (Jira is switching issues)', () => {
    expect(jira.detect(page('', breadcrumb('REC-41') + summary('Previous issue')), BROWSE)).toEqual([]);
  });

  it('gives nothing for a key with no summary on the page (still loading)', () => {
    expect(jira.detect(page('<title>Jira</title>', breadcrumb('REC-42')), BROWSE)).toEqual([]);
  });

  it('reads people from the avatar label when there is no name wrapper', () => {
    const doc = page(
      '',
      `${breadcrumb('REC-42')}${summary('S')}<div data-testid="issue.views.field.user.assignee"><span role="img" aria-label="Zoe Park"></span><span role="button" aria-label="Weitere Informationen über Zoe Park"></span></div>`,
    );
    expect(jira.detect(doc, BROWSE)[0]?.metadata.owner).toBe('Zoe Park');
  });
});

describe('jira on hostile pages', () => {
  it('does not hide a failure: the runner reports a document that throws', () => {
    const hostile = new Proxy({} as Document, {
      get() {
        throw new Error('boom');
      },
    });
    expect(runDetectorList(hostile, BROWSE.href, [jira], undefined).errors).toEqual([
      { detector: 'jira', problem: 'detect-failed', message: 'Detector failed on this page: boom' },
    ]);
  });

  it('stays bounded on 10 000 breadcrumbs and headings', () => {
    const flood = Array.from({ length: 10_000 }, (_, i) => breadcrumb(`REC-${i + 1}`) + summary(`S${i}`)).join('');
    const detections = jira.detect(page('', flood), new URL('https://acme-records.atlassian.net/browse/REC-1'));
    expect(detections).toHaveLength(1);
    expect(detections[0]?.title).toBe('[REC-1] S0');
  }, 120_000);
});
