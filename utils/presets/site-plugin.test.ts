// @vitest-environment happy-dom
import * as v from 'valibot';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PRESETS } from '../../server/presets';
import { Detection } from '../detectors/types';
import type { Site } from './schema';
import { sitePluginDetector } from './site-plugin';
import { validatePresets } from './validate';

/** A site as it reaches the detector: validated with the rest of the presets. */
function site(overrides: Partial<Site> = {}): Site {
  const doc = structuredClone(DEMO_PRESETS) as { sites: Record<string, unknown>[] };
  doc.sites[0] = { ...doc.sites[0], ...overrides };
  const result = validatePresets(doc);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.presets.sites[0]!;
}

const PAGE = `<!doctype html>
<html><head>
  <title>ACME DMS — Contract 2291</title>
  <meta name="doc-id" content="DOC 2291/A">
  <script id="doc-data" type="application/json">
    {"owner": {"email": "ann@acme.example", "name": "Ann"}, "modified": "2026-11-20T09:14:00+01:00",
     "authors": ["Ann", "Bob"], "version": 3}
  </script>
</head><body>
  <header><h1 class="doc-title">  Supplier contract <em>2291</em> </h1></header>
  <main><p>…</p></main>
</body></html>`;

const URL_OF_DOC = new URL('https://dms.acme.example/doc/2291?tab=preview');

function load(html: string) {
  document.open();
  document.write(html);
  document.close();
}

describe('sitePluginDetector', () => {
  beforeEach(() => load(PAGE));

  it('is named site-<id> and gates on its match patterns', () => {
    const detector = sitePluginDetector(site());
    expect(detector.id).toBe('site-acme-dms');
    expect(detector.hosts).toEqual(['https://dms.acme.example/doc/*']);
    expect(detector.matches(URL_OF_DOC)).toBe(true);
    expect(detector.matches(new URL('http://dms.acme.example/doc/1'))).toBe(false);
    expect(detector.matches(new URL('https://dms.acme.example/admin'))).toBe(false);
    expect(detector.matches(new URL('https://evil.example/doc/1?dms.acme.example/doc/'))).toBe(false);
  });

  it('matches subdomains, any http(s) scheme and ports as the pattern says', () => {
    const detector = sitePluginDetector(site({ matches: ['*://*.acme.example/doc/*', 'https://cases.local:8443/*'] }));
    expect(detector.matches(new URL('http://eu.dms.acme.example/doc/7'))).toBe(true);
    expect(detector.matches(new URL('https://acme.example/doc/7'))).toBe(true);
    expect(detector.matches(new URL('https://notacme.example/doc/7'))).toBe(false);
    expect(detector.matches(new URL('https://cases.local:8443/x'))).toBe(true);
    expect(detector.matches(new URL('https://cases.local/x'))).toBe(false);
  });

  it('detects the in-house DMS page (docs/presets.md example)', () => {
    const detections = sitePluginDetector(site()).detect(document, URL_OF_DOC);
    expect(detections).toEqual([
      {
        source: {
          app: 'site-acme-dms',
          kind: 'document',
          url: 'https://dms.acme.example/doc/2291?tab=preview',
          sourceId: 'DOC 2291/A',
        },
        title: 'Supplier contract 2291',
        metadata: { owner: 'ann@acme.example' },
        capture: {
          parts: [
            {
              source: 'fetch',
              url: 'https://dms.acme.example/api/doc/DOC%202291%2FA/download',
              name: 'DOC 2291_A',
              mimeType: 'application/octet-stream',
              role: 'primary',
            },
          ],
        },
        via: 'site-plugin',
      },
    ]);
    expect(v.safeParse(Detection, detections[0]).success).toBe(true);
  });

  it('reads dates, lists and numbers, and names the capture from the template', () => {
    const detector = sitePluginDetector(
      site({
        fields: {
          title: { selector: 'h1.doc-title' },
          sourceId: { json: '#doc-data', path: '$.version' },
          dateModified: { json: '#doc-data', path: '$.modified' },
          author: { json: '#doc-data', path: '$.authors' },
          description: { selector: 'title' },
        },
        capture: {
          original: 'https://dms.acme.example/api/doc/{sourceId}',
          name: '{title}.pdf',
          mimeType: 'application/pdf',
        },
      }),
    );
    const [detection] = detector.detect(document, URL_OF_DOC);
    expect(detection!.source.sourceId).toBe('3');
    expect(detection!.metadata).toEqual({
      dateModified: '2026-11-20T08:14:00Z',
      author: ['Ann', 'Bob'],
      description: 'ACME DMS — Contract 2291',
    });
    expect(detection!.capture.parts[0]).toMatchObject({
      name: 'Supplier contract 2291.pdf',
      mimeType: 'application/pdf',
    });
    expect(v.safeParse(Detection, detection).success).toBe(true);
  });

  it('captures nothing from another origin: metadata only', () => {
    const detector = sitePluginDetector(site({ capture: { original: 'https://files.acme.example/{sourceId}' } }));
    const [detection] = detector.detect(document, URL_OF_DOC);
    expect(detection!.capture).toEqual({ parts: [] });
  });

  it('finds nothing without a title or a source id', () => {
    const detector = sitePluginDetector(site());
    load('<html><head><meta name="doc-id" content="1"></head><body><h1 class="doc-title">  </h1></body></html>');
    expect(detector.detect(document, URL_OF_DOC)).toEqual([]);
    load('<html><body><h1 class="doc-title">Title</h1></body></html>');
    expect(detector.detect(document, URL_OF_DOC)).toEqual([]);
  });

  it('returns [] on hostile pages without throwing or changing them', () => {
    const detector = sitePluginDetector(site());
    const hostile = [
      '<script id="doc-data">{"owner": {"email": </script><h1 class="doc-title">T</h1>',
      '<script id="doc-data">{"__proto__": {"email": "x"}}</script>',
      `<script id="doc-data">${'['.repeat(100_000)}</script>`,
      `<h1 class="doc-title">${'<b>'.repeat(1000)}x</h1><meta name="doc-id" content="${'x'.repeat(100_000)}">`,
      '',
    ];
    for (const html of hostile) {
      load(`<html><body>${html}</body></html>`);
      const before = document.documentElement.outerHTML;
      let result: unknown;
      expect(() => {
        result = detector.detect(document, URL_OF_DOC);
      }).not.toThrow();
      expect(Array.isArray(result)).toBe(true);
      for (const detection of result as unknown[]) expect(v.safeParse(Detection, detection).success).toBe(true);
      expect(document.documentElement.outerHTML).toBe(before);
    }
  });

  it('survives an invalid selector, a broken document and a prototype-polluting path', () => {
    const fields: Site['fields'] = {
      title: { selector: 'h1[[' },
      sourceId: { json: '#doc-data', path: '$.__proto__.constructor' },
    };
    const detector = sitePluginDetector(site({ fields }));
    expect(detector.detect(document, URL_OF_DOC)).toEqual([]);
    expect(detector.detect(null as unknown as Document, URL_OF_DOC)).toEqual([]);
    expect(detector.matches(null as unknown as URL)).toBe(false);
  });
});
