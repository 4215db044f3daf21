import { attr, cleanText, normaliseDate, textOf } from '../detectors/text';
import type { CapturePlan, Detection, Detector } from '../detectors/types';
import type { Metadata } from '../records/record';
import {
  fillTemplate,
  type JsonPathSegment,
  type MatchPattern,
  matchesPattern,
  parseJsonPath,
  parseMatchPattern,
  readJsonPath,
} from './patterns';
import { type FieldSource, LIST_SITE_FIELDS, type Site, type SiteField } from './schema';

/** Bounds on what a plugin reads from a page, whatever the page holds. */
const MAX_JSON_CHARS = 1_000_000;
const MAX_LIST = 50;
const MAX_LENGTH: Partial<Record<SiteField, number>> = { title: 1024, sourceId: 2048, description: 8192, language: 35 };
const DATE_FIELDS: readonly SiteField[] = ['dateCreated', 'dateModified', 'dateSent'];

type Reader = (document: Document, json: Map<string, unknown>) => string[];

function selectAll(document: Document, selector: string, limit: number): Element[] {
  try {
    return limit === 1
      ? [document.querySelector(selector)].filter((e): e is Element => e !== null)
      : [...document.querySelectorAll(selector)].slice(0, limit);
  } catch {
    return []; // an invalid selector finds nothing
  }
}

/** The embedded JSON of the first element matching `selector`, parsed once per detection; never evaluated. */
function embeddedJson(document: Document, selector: string, cache: Map<string, unknown>): unknown {
  if (cache.has(selector)) return cache.get(selector);
  let value: unknown;
  const text = selectAll(document, selector, 1)[0]?.textContent ?? '';
  if (text.length > 0 && text.length <= MAX_JSON_CHARS) {
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
  }
  cache.set(selector, value);
  return value;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function reader(source: FieldSource, list: boolean, max: number): Reader {
  const limit = list ? MAX_LIST : 1;
  if ('selector' in source) {
    return (document) =>
      selectAll(document, source.selector, limit).map((element) =>
        source.attribute ? cleanText(attr(element, source.attribute, max * 2), max) : textOf(element, max),
      );
  }
  const path = parseJsonPath(source.path);
  const segments: JsonPathSegment[] | undefined = typeof path === 'string' ? undefined : path;
  return (document, cache) => {
    if (!segments) return [];
    const value = readJsonPath(embeddedJson(document, source.json, cache), segments);
    const values = Array.isArray(value) ? value.slice(0, limit) : [value];
    return values.map((item) => cleanText(scalar(item), max));
  };
}

function fileName(value: string): string {
  return cleanText(value.replace(/[/\\\0]/g, '_'), 255);
}

/**
 * A site plugin from the presets (`sites[]`, already validated) as a detector run by the same runner as the
 * built-in ones: a match-pattern URL gate, then read-only reads of CSS selectors, attributes and page-embedded
 * JSON. No code from the presets is ever evaluated, the page is never changed, and nothing is thrown: a page that
 * does not fit gives `[]`. The original is captured only from the page's own origin; otherwise the detection is
 * metadata-only.
 */
export function sitePluginDetector(site: Site): Detector {
  const id = `site-${site.id}`;
  const patterns = site.matches.map(parseMatchPattern).filter((p): p is MatchPattern => typeof p !== 'string');
  const readers = Object.entries(site.fields).flatMap(([name, source]) => {
    if (!source) return [];
    const field = name as SiteField;
    const list = LIST_SITE_FIELDS.includes(field);
    return [{ field, list, read: reader(source, list, MAX_LENGTH[field] ?? 1024) }];
  });

  function capture(values: Record<string, string | undefined>, url: URL): CapturePlan {
    const template = site.capture?.original;
    if (!template) return { parts: [] };
    const filled = fillTemplate(template, values, encodeURIComponent);
    if (!filled) return { parts: [] };
    const target = new URL(filled);
    if (target.protocol !== 'https:' || target.origin !== url.origin) return { parts: [] };
    const named = site.capture?.name && fillTemplate(site.capture.name, values, fileName);
    const lastSegment = decodeURIComponent(target.pathname.split('/').filter(Boolean).at(-1) ?? '');
    const name = fileName(named || (lastSegment.includes('.') ? lastSegment : `${values.sourceId}`)) || 'original';
    const mimeType = site.capture?.mimeType ?? 'application/octet-stream';
    return { parts: [{ source: 'fetch', url: target.href, name, mimeType, role: 'primary' }] };
  }

  function detect(document: Document, url: URL): Detection[] {
    const cache = new Map<string, unknown>();
    const values: Record<string, string | undefined> = {};
    const metadata: Record<string, unknown> = {};
    for (const { field, list, read } of readers) {
      let found = read(document, cache).filter((value) => value !== '');
      if (DATE_FIELDS.includes(field)) found = found.map((value) => normaliseDate(value) ?? '').filter(Boolean);
      if (found.length === 0) continue;
      if (list) metadata[field] = found;
      else values[field] = found[0];
    }
    const { title, sourceId, ...single } = values;
    if (!title || !sourceId) return [];
    for (const [field, value] of Object.entries(single)) metadata[field] = value;
    return [
      {
        source: { app: id, kind: site.kind, url: url.href, sourceId },
        title,
        metadata: metadata as Metadata,
        capture: capture(values, url),
        via: 'site-plugin',
      },
    ];
  }

  return {
    id,
    hosts: [...site.matches],
    matches(url) {
      try {
        return patterns.some((pattern) => matchesPattern(pattern, url));
      } catch {
        return false;
      }
    },
    detect(document, url) {
      try {
        return detect(document, url);
      } catch {
        return [];
      }
    },
  };
}
