// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { type Fixture, loadAllFixtures } from './fixtures/fixtures';
import { detectors, runDetectors } from './index';
import { type DetectorRun, runDetectorList } from './runner';

/**
 * Never harm the page, and never fail on it: every detector, run by the runner on thousands of random and hostile
 * documents built from the vocabulary of the real fixtures (their tags, attributes, classes, ids and URLs, mixed and
 * mangled), must finish without a single runner error: nothing thrown, nothing returned that is not a valid
 * detection. Detectors catch nothing themselves, so any throw would show here. The generator is seeded, so a failure
 * can be replayed.
 */

const SEED = 0x5eed;
const DOCUMENTS = 400;

function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fixtures: Fixture[] = loadAllFixtures();

const parser = new DOMParser();
const vocabulary = { tags: new Set<string>(), attributes: new Map<string, Set<string>>(), texts: new Set<string>() };
for (const fixture of fixtures) {
  const doc = parser.parseFromString(fixture.html.slice(0, 200_000), 'text/html');
  for (const element of Array.from(doc.querySelectorAll('*')).slice(0, 3000)) {
    vocabulary.tags.add(element.tagName.toLowerCase());
    for (const { name, value } of Array.from(element.attributes)) {
      const values = vocabulary.attributes.get(name) ?? new Set<string>();
      if (values.size < 60) values.add(value.slice(0, 300));
      vocabulary.attributes.set(name, values);
    }
    const own = Array.from(element.childNodes)
      .find((node) => node.nodeType === 3)
      ?.textContent?.trim();
    if (own && vocabulary.texts.size < 500) vocabulary.texts.add(own.slice(0, 200));
  }
}

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{"@type":',
  '[[[[[[[[[[',
  '\u0000\u202e\ud800',
  '#msg-f:99999999999999999999999999',
  'thread-f:-1',
  '../../../../etc/passwd',
  '__proto__',
  'constructor',
  'NaN',
  '',
];

const HUGE = 'x'.repeat(100_000);

function build(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const tags = [...vocabulary.tags, 'script', 'meta', 'div', 'span', 'table', 'tr', 'td', 'a', 'h1', 'h2', 'time'];
  const attributeNames = [...vocabulary.attributes.keys()];
  const value = (name: string) => {
    const known = [...(vocabulary.attributes.get(name) ?? [])];
    // Now and then an attribute far larger than any page needs.
    if (random() < 0.002) return HUGE;
    const base = known.length && random() < 0.7 ? pick(known) : pick(HOSTILE);
    return random() < 0.2 ? base + pick(HOSTILE) : base;
  };
  const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const node = (depth: number): string => {
    if (depth > 40 || random() < 0.25) return escapeHtml(random() < 0.5 ? pick([...vocabulary.texts]) : pick(HOSTILE));
    const tag = pick(tags);
    const attributes = Array.from({ length: Math.floor(random() * 5) }, () => {
      const name = pick(attributeNames);
      return ` ${name}="${escapeHtml(value(name))}"`;
    }).join('');
    const children = Array.from({ length: Math.floor(random() * (depth < 3 ? 6 : 3)) }, () => node(depth + 1)).join('');
    return `<${tag}${attributes}>${tag === 'script' ? pick([...HOSTILE, '{"@type":"Article","headline":5}']) : children}</${tag}>`;
  };
  // Deep nesting now and then, as some apps produce.
  const deep = random() < 0.05 ? `${'<div>'.repeat(600)}deep${'</div>'.repeat(600)}` : '';
  return `<!doctype html><html><head>${node(1)}</head><body>${node(0)}${node(0)}${deep}</body></html>`;
}

function mangle(url: string, random: () => number): string {
  const parsed = new URL(url);
  const choice = Math.floor(random() * 4);
  if (choice === 0) parsed.hash = `${parsed.hash}${HOSTILE[Math.floor(random() * HOSTILE.length)]!.slice(0, 100)}`;
  if (choice === 1) parsed.pathname = parsed.pathname.replace(/[0-9a-f]/gi, (c) => (random() < 0.3 ? 'z' : c));
  if (choice === 2) parsed.search = '?id=%00&preview=%E0%A4%A';
  return parsed.href;
}

describe('fuzz: detectors never throw into the page', () => {
  it(`${detectors.length} detectors × ${DOCUMENTS} random documents × their fixture URLs: the runner reports no error`, () => {
    const random = prng(SEED);
    const urls = [...new Set(fixtures.map((f) => f.url))];
    const errors: string[] = [];
    let runs = 0;
    let parseMs = 0;
    const keep = (i: number, run: DetectorRun) => {
      runs += 1;
      expect(run.detections.length).toBeLessThanOrEqual(100);
      for (const error of run.errors)
        if (errors.length < 20) errors.push(`document ${i}: ${error.detector}: ${error.message}`);
      // Errors and health agree: every error is counted, and the counts carry no text from the page.
      expect(run.health.filter((h) => h.problem !== 'missed')).toHaveLength(run.errors.length);
    };
    for (let i = 0; i < DOCUMENTS; i++) {
      const started = performance.now();
      const document = parser.parseFromString(build(random), 'text/html') as unknown as Document;
      parseMs += performance.now() - started;
      const url = mangle(urls[Math.floor(random() * urls.length)]!, random);
      for (const detector of detectors) {
        keep(i, runDetectorList(document, url, [detector], undefined));
        // And at a URL the detector accepts, so its scrape runs on the random markup too.
        const own = fixtures.find((f) => f.site === detector.id);
        if (own) keep(i, runDetectorList(document, own.url, [detector], undefined));
      }
      keep(i, runDetectors(document, url));
    }
    expect(errors).toEqual([]);
    expect(runs).toBeGreaterThanOrEqual(DOCUMENTS * detectors.length * 2);
    console.info(`fuzz: ${runs} runs; parsing took ${Math.round(parseMs)} ms`);
  }, 240_000);
});
