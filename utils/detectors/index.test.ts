// @vitest-environment happy-dom
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Fixture, loadAllFixtures } from './fixtures/fixtures';
import { generic } from './generic';
import { gmail } from './gmail';
import { contentScriptMatches, detectors, runAsExtension, runDetectors } from './index';
import type { Detection } from './types';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html') as unknown as Document;
const fixtures: Fixture[] = loadAllFixtures();

const zone = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC'; // the Gmail fixtures show dates as a viewer in UTC sees them
});
afterAll(() => {
  process.env.TZ = zone;
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('detector list', () => {
  it('puts site detectors first and generic last', () => {
    expect(detectors.at(-1)).toBe(generic);
    expect(new Set(detectors.map((d) => d.id)).size).toBe(detectors.length);
  });

  it('has fixtures for every detector, and a detector for every fixture folder', () => {
    expect(new Set(fixtures.map((f) => f.site))).toEqual(new Set(detectors.map((d) => d.id)));
  });

  it('runs content scripts only on the known apps’ own hosts, never on every site', () => {
    expect(contentScriptMatches.length).toBeGreaterThanOrEqual(detectors.length - 1);
    for (const pattern of contentScriptMatches) expect(pattern).toMatch(/^https:\/\/(\*\.)?[a-z0-9.-]+\.[a-z]+\//);
  });
});

describe('every detector stays off the other detectors’ pages', () => {
  const siteDetectors = detectors.filter((d) => d !== generic);
  for (const detector of siteDetectors) {
    for (const fixture of fixtures.filter((f) => f.site !== detector.id)) {
      it(`${detector.id} finds nothing on ${fixture.site}/${fixture.file}`, () => {
        const url = new URL(fixture.url);
        const found = detector.matches(url) ? detector.detect(parse(fixture.html), url) : [];
        expect(found).toEqual([]);
        // Even run on a URL it does accept, another app's markup gives it nothing — unless that URL alone names
        // the item (a SharePoint viewer's sourcedoc, which an empty page shows), or both apps live on the same
        // domain and split it by path (Jira and Confluence on atlassian.net), so the pairing cannot happen.
        const own = new URL(fixtures.find((f) => f.site === detector.id)!.url);
        const domain = (host: string) => host.split('.').slice(-2).join('.');
        const sameDomain = domain(own.hostname) === domain(url.hostname);
        if (!sameDomain && detector.detect(parse('<html><body></body></html>'), own).length === 0) {
          expect(detector.detect(parse(fixture.html), own)).toEqual([]);
        }
      });
    }
  }

  // generic accepts every http(s) URL by design; the runner is what keeps it off site pages.
  for (const fixture of fixtures.filter((f) => f.site !== 'generic')) {
    it(`the runner never offers ${fixture.site}/${fixture.file} as a generic page`, () => {
      const { detections } = runDetectors(parse(fixture.html), fixture.url);
      expect(detections.every((d) => d.source.app === fixture.site)).toBe(true);
    });
  }

  it('never offers a known app’s host as a generic page, even on a path its detector does not know', () => {
    for (const url of [
      'https://docs.google.com/forms/u/0/',
      'https://mail.google.com/chat/u/0/',
      'https://acme.atlassian.net/jira/settings',
    ]) {
      expect(runDetectors(parse('<title>Some app page</title>'), url).detections).toEqual([]);
      expect(runAsExtension(parse('<title>Some app page</title>'), url).detections).toEqual([]);
    }
  });

  it('runs, for inspect, exactly what the extension runs: the app’s script on its host, the on-demand set elsewhere', () => {
    const server = fixtures.find((f) => f.file === 'server-issue-ja.html')!;
    expect(runAsExtension(parse(server.html), server.url).detections.map((d) => d.source.app)).toEqual(['jira']);
    expect(runAsExtension(parse('<title>Help</title>'), 'https://help.example.org/a').detections[0]?.source.app).toBe(
      'generic',
    );
  });

  it('offers a look-alike path on an unknown host as a generic page', () => {
    const { detections } = runDetectors(parse('<title>Webmail help</title>'), 'https://help.example.org/owa/faq');
    expect(detections.map((d) => d.source.app)).toEqual(['generic']);
  });
});

describe('runDetectors', () => {
  for (const fixture of fixtures) {
    it(`gives the expected detections for ${fixture.site}/${fixture.file}`, () => {
      const run = runDetectors(parse(fixture.html), fixture.url);
      expect(run.detections).toEqual(fixture.expected);
      expect(run.errors).toEqual([]);
      // Only "the URL names an item, nothing was found" may be counted on a fixture: a page that shows nothing.
      expect(run.health.filter((h) => h.problem !== 'missed')).toEqual([]);
      if (run.health.length > 0) expect(run.detections).toEqual([]);
    });
  }

  it('gives nothing, not a generic page, for the Gmail inbox', () => {
    const inbox = fixtures.find((f) => f.file === 'inbox-list.html')!;
    expect(runDetectors(parse(inbox.html), inbox.url)).toEqual({ detections: [], errors: [], health: [] });
  });

  it('counts a page whose URL names an item but shows none, with the app and its build, and no content', () => {
    const noAccess = fixtures.find((f) => f.site === 'google-docs' && f.file === 'no-access.html')!;
    expect(runDetectors(parse(noAccess.html), noAccess.url).health).toEqual([
      { detector: 'google-docs', app: 'google-docs', problem: 'missed' },
    ]);
    const server = fixtures.find((f) => f.file === 'server-issue-ja.html')!;
    const emptied = server.html.replace(/<h1 id="summary-val">[^<]*<\/h1>/, '');
    expect(runDetectors(parse(emptied), server.url).health).toEqual([
      { detector: 'jira', app: 'jira', problem: 'missed', build: '9.12.2+9120002' },
    ]);
  });

  it('gives nothing for pages that are not on the web', () => {
    expect(runDetectors(parse('<title>x</title>'), 'chrome://extensions/')).toEqual({
      detections: [],
      errors: [],
      health: [],
    });
  });

  it('reports a URL it cannot read', () => {
    const result = runDetectors(parse('<title>x</title>'), 'not a url');
    expect(result.detections).toEqual([]);
    expect(result.errors).toEqual([
      { detector: 'runner', problem: 'invalid-url', message: 'Not a valid page URL: not a url' },
    ]);
  });

  it('reports a detector that throws', () => {
    vi.spyOn(generic, 'detect').mockImplementation(() => {
      throw new Error('boom');
    });
    expect(runDetectors(parse('<title>x</title>'), 'https://example.org/')).toEqual({
      detections: [],
      errors: [{ detector: 'generic', problem: 'detect-failed', message: 'Detector failed on this page: boom' }],
      health: [{ detector: 'generic', app: 'generic', problem: 'detect-failed' }],
    });
  });

  it('reports a URL gate that throws', () => {
    vi.spyOn(gmail, 'matches').mockImplementation(() => {
      throw new Error('bad gate');
    });
    const result = runDetectors(parse('<title>x</title>'), 'https://example.org/');
    expect(result.errors).toEqual([
      { detector: 'gmail', problem: 'url-check-failed', message: 'URL check failed: bad gate' },
    ]);
    expect(result.detections).toHaveLength(1);
  });

  it('drops invalid detections and says why', () => {
    const good = runDetectors(parse('<title>Good</title>'), 'https://example.org/').detections[0]!;
    const bad = { ...good, title: '', metadata: { dateSent: 'yesterday' } };
    vi.spyOn(generic, 'detect').mockReturnValue([bad as Detection, good]);
    const result = runDetectors(parse('<title>x</title>'), 'https://example.org/');
    expect(result.detections).toEqual([good]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.detector).toBe('generic');
    expect(result.errors[0]?.message).toMatch(/^Detection 0 was dropped as invalid: .*title.*metadata\.dateSent/);
  });

  it('reports a detector that returns something other than a list', () => {
    vi.spyOn(generic, 'detect').mockReturnValue('nope' as unknown as Detection[]);
    expect(runDetectors(parse(''), 'https://example.org/').errors).toEqual([
      {
        detector: 'generic',
        problem: 'not-a-list',
        message: 'Detector returned something other than a list of detections',
      },
    ]);
  });

  it('keeps at most 100 detections', () => {
    const good = runDetectors(parse('<title>Good</title>'), 'https://example.org/').detections[0]!;
    vi.spyOn(generic, 'detect').mockReturnValue(Array.from({ length: 150 }, () => good));
    expect(runDetectors(parse(''), 'https://example.org/').detections).toHaveLength(100);
  });

  it('falls through to the next site detector only when a matching one finds nothing valid', () => {
    vi.spyOn(gmail, 'detect').mockReturnValue([]);
    const single = fixtures.find((f) => f.file === 'single-message.html')!;
    expect(runDetectors(parse(single.html), single.url).detections).toEqual([]);
  });
});
