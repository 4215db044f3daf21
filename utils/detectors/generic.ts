import type { Metadata, SourceKind } from '../records/record';
import { attr, cleanText, decodePart, normaliseDate, queryPairs, textOf, toUrl } from './text';
import type { CapturePlan, Detection, Detector } from './types';

/**
 * Any web page: one detection describing the page itself, from the richest metadata it publishes. Sources, best
 * first: schema.org JSON-LD, Highwire `citation_*` meta (Google Scholar), Dublin Core `DC.*` / `dcterms.*`,
 * Open Graph, the canonical link, then `<title>`. Each field comes from the best source that has it; `via`
 * names the best source found at all.
 *
 * Kind: `document` when JSON-LD types the page as an article, report, scholarly or other written work, or when
 * Highwire `citation_title` is present (those tags exist for scholarly papers); otherwise `page`.
 * Capture: the `citation_pdf_url` PDF when there is one; otherwise nothing yet (page snapshots are a later issue).
 */

type Via = 'json-ld' | 'citation' | 'dublin-core' | 'open-graph' | 'canonical' | 'title' | 'url';

interface Found {
  title?: string;
  authors?: string[];
  dateCreated?: string;
  dateModified?: string;
  publisher?: string;
  description?: string;
  language?: string;
  canonical?: string;
  pdfUrl?: string;
  identifiers?: Record<string, string>;
  document?: boolean;
}

const MAX_SCRIPTS = 20;
const MAX_JSON = 1_000_000;
const MAX_NODES = 500;
const MAX_META = 1000;
const MAX_VALUES = 50;

const DOCUMENT_TYPES = new Set(
  [
    'Article',
    'NewsArticle',
    'AnalysisNewsArticle',
    'AskPublicNewsArticle',
    'BackgroundNewsArticle',
    'OpinionNewsArticle',
    'ReportageNewsArticle',
    'ReviewNewsArticle',
    'BlogPosting',
    'LiveBlogPosting',
    'SocialMediaPosting',
    'DiscussionForumPosting',
    'TechArticle',
    'APIReference',
    'ScholarlyArticle',
    'MedicalScholarlyArticle',
    'Report',
    'SatiricalArticle',
    'AdvertiserContentArticle',
    'Thesis',
    'Book',
    'Chapter',
    'DigitalDocument',
    'TextDigitalDocument',
    'SpreadsheetDigitalDocument',
    'PresentationDigitalDocument',
    'Legislation',
    'LegislationObject',
    'Manuscript',
    'Dataset',
  ].map((t) => t.toLowerCase()),
);
const PAGE_TYPES = new Set(
  ['WebPage', 'ItemPage', 'AboutPage', 'FAQPage', 'QAPage', 'ProfilePage', 'CollectionPage', 'CreativeWork'].map((t) =>
    t.toLowerCase(),
  ),
);
const TRACKING_PARAM = /^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|_ga)$/i;
const LANGUAGE = /^[a-z]{2,8}(?:-[a-z0-9]{1,8})*$/i;

type Json = unknown;
type JsonObject = Record<string, Json>;
const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asArray = (value: Json): Json[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** `https://schema.org/NewsArticle`, `schema:NewsArticle` and `NewsArticle` all give `newsarticle`. */
function types(node: JsonObject): string[] {
  return asArray(node['@type'])
    .filter((t): t is string => typeof t === 'string')
    .map((t) =>
      t
        .slice(0, 200)
        .replace(/^.*[/:#]/, '')
        .toLowerCase(),
    );
}

/** Every object in the JSON-LD blocks (top level, arrays and `@graph`), so `@id` references can be followed. */
function jsonLdNodes(document: Document): JsonObject[] {
  const nodes: JsonObject[] = [];
  const scripts = Array.from(document.querySelectorAll('script[type="application/ld+json"]')).slice(0, MAX_SCRIPTS);
  for (const script of scripts) {
    const text = script.textContent ?? '';
    if (text.length > MAX_JSON) continue;
    let data: Json;
    try {
      data = JSON.parse(text);
    } catch {
      continue; // A broken block is the page's problem; the other sources still describe it.
    }
    const queue = asArray(data);
    while (queue.length > 0 && nodes.length < MAX_NODES) {
      const item = queue.shift();
      if (Array.isArray(item)) queue.push(...item.slice(0, MAX_NODES));
      else if (isObject(item)) {
        nodes.push(item);
        if (item['@graph'] !== undefined) queue.push(...asArray(item['@graph']).slice(0, MAX_NODES));
      }
    }
  }
  return nodes;
}

function fromJsonLd(document: Document): Found | null {
  const nodes = jsonLdNodes(document);
  const byId = new Map<string, JsonObject>();
  for (const node of nodes) if (typeof node['@id'] === 'string') byId.set(node['@id'], node);
  const resolve = (value: Json): Json =>
    (isObject(value) && typeof value['@id'] === 'string' && byId.get(value['@id'])) || value;
  const name = (value: Json): string => {
    const target = resolve(value);
    if (typeof target === 'string') return cleanText(target, 1024);
    return isObject(target) ? cleanText(target.name, 1024) : '';
  };

  const main =
    nodes.find((n) => types(n).some((t) => DOCUMENT_TYPES.has(t))) ??
    nodes.find((n) => types(n).some((t) => PAGE_TYPES.has(t)));
  if (!main) return null;

  const found: Found = { document: types(main).some((t) => DOCUMENT_TYPES.has(t)) };
  const title = cleanText(main.headline, 1024) || cleanText(main.name, 1024);
  if (title) found.title = title;
  const authors = asArray(main.author).slice(0, MAX_VALUES).map(name).filter(Boolean);
  if (authors.length) found.authors = authors;
  found.dateCreated = normaliseDate(main.datePublished) ?? normaliseDate(main.dateCreated);
  found.dateModified = normaliseDate(main.dateModified);
  found.publisher = name(asArray(main.publisher)[0]) || undefined;
  found.description = cleanText(main.description, 8192) || undefined;
  const language = asArray(main.inLanguage)[0];
  found.language =
    typeof language === 'string' ? language : isObject(language) ? cleanText(language.alternateName, 35) : undefined;
  found.canonical = typeof main.url === 'string' ? main.url : undefined;
  const identifiers: Record<string, string> = {};
  for (const id of asArray(main.identifier).slice(0, MAX_VALUES)) {
    if (typeof id === 'string' || typeof id === 'number') identifiers.identifier ??= cleanText(String(id), 2048);
    else if (isObject(id)) {
      const key = cleanText(id.propertyID, 64) || 'identifier';
      const value = cleanText(typeof id.value === 'number' ? String(id.value) : id.value, 2048);
      if (value) identifiers[key] ??= value;
    }
  }
  if (Object.keys(identifiers).length) found.identifiers = identifiers;
  return found;
}

/** The vocabularies read from `<meta>`. */
const META_KEY = /^(?:citation_|dc\.|dcterms\.|og:|article:)/;

/**
 * The `<meta name|property>` values of those vocabularies by lower-cased key. The live collection is read
 * lazily and only its first MAX_META elements are looked at, so a page stuffed with meta tags stays fast.
 */
function metaTags(document: Document): Map<string, string[]> {
  const meta = new Map<string, string[]>();
  const elements = document.getElementsByTagName('meta');
  for (let i = 0; i < elements.length && i < MAX_META; i++) {
    const element = elements[i]!;
    const key = (attr(element, 'name', 100) || attr(element, 'property', 100)).toLowerCase();
    if (!META_KEY.test(key)) continue;
    const content = attr(element, 'content', 8192);
    if (!content) continue;
    const values = meta.get(key) ?? [];
    if (values.length < MAX_VALUES) values.push(content);
    meta.set(key, values);
  }
  return meta;
}

function firstOf(meta: Map<string, string[]>, keys: string[], max = 1024): string | undefined {
  for (const key of keys) {
    const value = cleanText(meta.get(key)?.[0], max);
    if (value) return value;
  }
  return undefined;
}

function allOf(meta: Map<string, string[]>, keys: string[]): string[] | undefined {
  for (const key of keys) {
    const values = (meta.get(key) ?? []).map((v) => cleanText(v, 1024)).filter(Boolean);
    if (values.length) return [...new Set(values)];
  }
  return undefined;
}

function dateOf(meta: Map<string, string[]>, keys: string[]): string | undefined {
  for (const key of keys) {
    const date = normaliseDate(meta.get(key)?.[0]);
    if (date) return date;
  }
  return undefined;
}

function fromCitation(meta: Map<string, string[]>): Found | null {
  if (![...meta.keys()].some((k) => k.startsWith('citation_'))) return null;
  const doi = firstOf(meta, ['citation_doi'], 2048);
  return {
    document: !!firstOf(meta, ['citation_title']),
    title: firstOf(meta, ['citation_title']),
    authors: allOf(meta, ['citation_author', 'citation_authors']),
    dateCreated: dateOf(meta, ['citation_publication_date', 'citation_date', 'citation_online_date', 'citation_year']),
    publisher: firstOf(meta, ['citation_publisher', 'citation_journal_title', 'citation_conference_title']),
    description: firstOf(meta, ['citation_abstract'], 8192),
    language: firstOf(meta, ['citation_language']),
    pdfUrl: firstOf(meta, ['citation_pdf_url'], 4096),
    canonical: firstOf(meta, ['citation_abstract_html_url', 'citation_fulltext_html_url'], 4096),
    identifiers: doi ? { doi: doi.replace(/^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:)/i, '') } : undefined,
  };
}

function fromDublinCore(meta: Map<string, string[]>): Found | null {
  if (![...meta.keys()].some((k) => k.startsWith('dc.') || k.startsWith('dcterms.'))) return null;
  const identifier = firstOf(meta, ['dc.identifier', 'dcterms.identifier'], 2048);
  const type = firstOf(meta, ['dc.type', 'dcterms.type']) ?? '';
  return {
    document: /\b(?:article|report|thesis|dissertation|text|book|paper|preprint)\b/i.test(type),
    title: firstOf(meta, ['dc.title', 'dcterms.title']),
    authors: allOf(meta, ['dc.creator', 'dcterms.creator']),
    dateCreated: dateOf(meta, ['dcterms.created', 'dcterms.issued', 'dc.date', 'dcterms.date', 'dcterms.available']),
    dateModified: dateOf(meta, ['dcterms.modified', 'dc.date.modified']),
    publisher: firstOf(meta, ['dc.publisher', 'dcterms.publisher']),
    description: firstOf(meta, ['dc.description', 'dcterms.description', 'dcterms.abstract'], 8192),
    language: firstOf(meta, ['dc.language', 'dcterms.language']),
    identifiers: identifier ? { identifier } : undefined,
  };
}

function fromOpenGraph(meta: Map<string, string[]>): Found | null {
  if (![...meta.keys()].some((k) => k.startsWith('og:') || k.startsWith('article:'))) return null;
  return {
    title: firstOf(meta, ['og:title']),
    description: firstOf(meta, ['og:description'], 8192),
    canonical: firstOf(meta, ['og:url'], 4096),
    authors: allOf(meta, ['article:author']),
    dateCreated: dateOf(meta, ['article:published_time']),
    dateModified: dateOf(meta, ['article:modified_time', 'og:updated_time']),
    publisher: firstOf(meta, ['og:site_name']),
    language: firstOf(meta, ['og:locale']),
  };
}

/** An absolute http(s) URL without its hash and tracking parameters, or undefined. */
export function cleanUrl(value: string | undefined | null, base: URL): string | undefined {
  const url = value ? toUrl(value.trim().slice(0, 4096), base) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return undefined;
  url.hash = '';
  // Names are collected first: deleting while reading would skip the next one. queryPairs, not `keys()`, which
  // Firefox's content-script sandbox cannot iterate.
  for (const [key] of queryPairs(url)) if (TRACKING_PARAM.test(key)) url.searchParams.delete(key);
  return url.href;
}

function pdfPlan(pdfUrl: string | undefined, base: URL): CapturePlan {
  const href = cleanUrl(pdfUrl, base);
  if (!href) return { parts: [] };
  const segment = toUrl(href)?.pathname.split('/').pop() ?? '';
  let name = decodePart(segment);
  name = name.replace(/[^\w.-]+/g, '_').slice(0, 200) || 'document';
  if (!/\.pdf$/i.test(name)) name += '.pdf';
  return { parts: [{ source: 'fetch', url: href, name, mimeType: 'application/pdf', role: 'primary' }] };
}

function describePage(document: Document, url: URL): Detection[] {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return [];
  const meta = metaTags(document);
  const canonicalLink = attr(document.querySelector('link[rel~="canonical"]'), 'href', 4096);
  const titleText = textOf(document.querySelector('title'), 1024);
  const sources: [Via, Found | null][] = [
    ['json-ld', fromJsonLd(document)],
    ['citation', fromCitation(meta)],
    ['dublin-core', fromDublinCore(meta)],
    ['open-graph', fromOpenGraph(meta)],
    ['canonical', canonicalLink ? {} : null],
    ['title', titleText ? { title: titleText } : null],
  ];

  const merged: Found = {};
  let via: Via = 'url';
  for (const [name, found] of sources) {
    if (!found) continue;
    if (via === 'url') via = name;
    for (const [key, value] of Object.entries(found) as [keyof Found, Found[keyof Found]][]) {
      if (key === 'document') merged.document ||= value === true;
      else if (key === 'identifiers')
        merged.identifiers = { ...(value as Record<string, string>), ...merged.identifiers };
      else if (value !== undefined && value !== '' && merged[key] === undefined)
        (merged as Record<string, unknown>)[key] = value;
    }
  }

  const htmlLang = attr(document.documentElement, 'lang', 35);
  // `en_US` (og:locale, DSpace) is written `en-US` in BCP 47.
  const language = [merged.language, htmlLang].map((l) => l?.replace(/_/g, '-')).find((l) => l && LANGUAGE.test(l));
  // Canonical link first, then og:url, then JSON-LD / Highwire page URLs, then the address bar.
  const sourceId =
    [canonicalLink, firstOf(meta, ['og:url'], 4096), merged.canonical, url.href]
      .map((candidate) => cleanUrl(candidate, url))
      .find((candidate) => candidate && candidate.length <= 2048) ?? url.href.slice(0, 2048);
  const capture = pdfPlan(merged.pdfUrl, url);

  const metadata: Metadata = { mimeType: capture.parts.length > 0 ? 'application/pdf' : 'text/html' };
  if (merged.authors?.length) metadata.author = merged.authors;
  if (merged.dateCreated) metadata.dateCreated = merged.dateCreated;
  if (merged.dateModified) metadata.dateModified = merged.dateModified;
  if (merged.publisher) metadata.publisher = merged.publisher;
  if (merged.description) metadata.description = merged.description;
  if (language) metadata.language = language;
  if (merged.identifiers && Object.keys(merged.identifiers).length) metadata.identifiers = merged.identifiers;
  const kind: SourceKind = merged.document ? 'document' : 'page';

  return [
    {
      source: { app: 'generic', kind, url: url.href, sourceId },
      title: merged.title || cleanText(`${url.hostname}${url.pathname}`, 1024) || url.href.slice(0, 1024),
      metadata,
      capture,
      via,
    },
  ];
}

export const generic: Detector = {
  id: 'generic',
  hosts: [],
  matches: (url) => url.protocol === 'http:' || url.protocol === 'https:',
  detect: describePage,
};
