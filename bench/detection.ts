/**
 * The detection figures of `npm run bench`: content-script sizes, detection time per fixture page and the cost of
 * re-detection on a busy page, all measured in real Chromium. `npm run bench:detect` runs these alone (after
 * `npm run build`) and prints them without touching bench/results.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROME_BUILD, CHROMIUM, CHROMIUM_FLAGS } from '../tests/e2e/harness.ts';
import { loadAllFixtures } from '../utils/detectors/fixtures/fixtures.ts';
import { type Figure, formatTable, lowerIsBetter, median } from './figures.ts';

export const gzipKb = (files: string[]) =>
  Math.round(files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).byteLength, 0) / 102.4) / 10;

/**
 * The content script a page of each app carries (one per app). The on-demand scripts — every detector for an
 * unknown site, the snapshot sanitiser, the page skeleton — load only on the user's gesture and are reported beside it.
 */
export function contentScriptSizes(): Figure {
  const dir = join(CHROME_BUILD, 'content-scripts');
  const sizes = Object.fromEntries(readdirSync(dir).map((file) => [file, gzipKb([join(dir, file)])]));
  const onDemand = new Set(['page.js', 'snapshot.js', 'skeleton.js']);
  const perApp = Object.entries(sizes).filter(([file]) => !onDemand.has(file));
  return {
    value: Math.max(...perApp.map(([, kb]) => kb)),
    unit: 'KB',
    target: 25,
    better: 'lower',
    detail: { figure: 'largest per-app content script', ...sizes },
  };
}

export async function detectionTimes(): Promise<Record<'median' | 'p95' | 'slowestPage', Figure>> {
  const bundle = await build({
    entryPoints: ['utils/detectors/index.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'recordkeeperDetectors',
    minify: true,
    target: 'chrome120',
  });
  const script = bundle.outputFiles[0]!.text;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const detail: Record<string, number> = {};
  const all: number[] = [];
  try {
    const page = await browser.newPage();
    for (const fixture of loadAllFixtures()) {
      // A fresh document each time: fixtures that differ only after `#` would otherwise share one.
      await page.goto('about:blank');
      await page.unrouteAll();
      await page.route('**/*', (route) =>
        route.fulfill({ body: fixture.html, contentType: 'text/html; charset=utf-8' }),
      );
      await page.goto(fixture.url);
      await page.addScriptTag({ content: `globalThis.__name = (fn) => fn;\n${script}` });
      // Batches of runs per sample, because the page's clock is coarse (100 µs) by design.
      const samples = await page.evaluate(() => {
        const { runDetectors } = (
          globalThis as never as { recordkeeperDetectors: typeof import('../utils/detectors/index.ts') }
        ).recordkeeperDetectors;
        const perSample = 20;
        const times: number[] = [];
        for (let i = 0; i < 5; i++) runDetectors(document, location.href);
        for (let s = 0; s < 30; s++) {
          const start = performance.now();
          for (let i = 0; i < perSample; i++) runDetectors(document, location.href);
          times.push((performance.now() - start) / perSample);
        }
        return times;
      });
      detail[`${fixture.site}/${fixture.file}`] = Math.round(median(samples) * 1000) / 1000;
      all.push(...samples);
    }
  } finally {
    await browser.close();
  }
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const sorted = [...all].sort((a, b) => a - b);
  return {
    median: lowerIsBetter(round(median(all)), 'ms', 1, { pages: Object.keys(detail).length, ...detail }),
    p95: { value: round(sorted[Math.floor(sorted.length * 0.95)]!), unit: 'ms', target: 5, better: 'lower' },
    slowestPage: { value: round(Math.max(...Object.values(detail))), unit: 'ms', target: 1, better: 'lower' },
  };
}

/** A page as heavy as a busy Gmail inbox: the message view plus a few thousand list rows. */
function gmailSizedPage(): string {
  const page = readFileSync('utils/detectors/fixtures/gmail/e2e-message.html', 'utf8');
  const row =
    '<tr class="zA yO" role="row"><td class="oZ-x3 xY"><div role="checkbox" aria-checked="false"></div></td>' +
    '<td class="yX xY"><div class="yW"><span class="yP" email="ann@example.org" name="Ann">Ann</span></div></td>' +
    '<td class="xY a4W"><div class="xS"><div class="xT"><div class="y6"><span>Quarterly report</span>' +
    '<span class="y2"> - figures attached</span></div></div></div></td>' +
    '<td class="xW xY"><span title="Thu, Nov 19, 2026, 9:14 AM">Nov 19</span></td></tr>';
  const list = `<table class="F cf zt"><tbody>${row.repeat(1500)}</tbody></table>`;
  return page.replace('</body>', `<div role="main" class="aeF">${list}</div></body>`);
}

export async function redetectionCost(): Promise<Figure> {
  const bundle = await build({
    entryPoints: ['bench/redetect-entry.ts'],
    bundle: true,
    write: false,
    format: 'iife',
    minify: true,
    target: 'chrome120',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage();
    const html = gmailSizedPage();
    await page.route('**/*', (route) => route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }));
    await page.goto('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM');
    const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
    await page.addScriptTag({ content: `globalThis.__name = (fn) => fn;\n${bundle.outputFiles[0]!.text}` });
    // 1,000 mutations, ten per frame as a busy app makes them, then time for the trailing re-detection.
    const counters = await page.evaluate(async () => {
      const bench = (
        globalThis as never as {
          recordkeeperRedetect: { counters: Record<string, number>; reset(): void; stop(): void };
        }
      ).recordkeeperRedetect;
      bench.reset();
      const tbody = document.querySelector('table.F tbody')!;
      const start = performance.now();
      for (let frame = 0; frame < 100; frame++) {
        for (let i = 0; i < 10; i++) {
          if (i % 2) tbody.appendChild(tbody.firstElementChild!.cloneNode(true));
          else tbody.removeChild(tbody.lastElementChild!);
        }
        await new Promise((done) => requestAnimationFrame(done));
      }
      const mutatingMs = performance.now() - start;
      await new Promise((done) => setTimeout(done, 1500));
      bench.stop();
      return { ...bench.counters, mutatingMs } as Record<string, number>;
    });
    const ms = (value: number) => Math.round(value * 100) / 100;
    return {
      value: ms(counters.callbackMs! + counters.detectMs! + counters.messageMs!),
      unit: 'ms',
      target: 10,
      better: 'lower',
      detail: {
        mutations: 1000,
        pageElements: elements,
        mutatingMs: Math.round(counters.mutatingMs!),
        observerCallbacks: counters.callbacks!,
        observerCallbackMs: ms(counters.callbackMs!),
        detectorRuns: counters.detections!,
        detectorMs: ms(counters.detectMs!),
        badgeMessages: counters.messages!,
        badgeMessageMs: ms(counters.messageMs!),
      },
    };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures: Record<string, Figure> = { contentScriptGzip: contentScriptSizes() };
  const times = await detectionTimes();
  figures.detectionTimeMedian = times.median;
  figures.detectionTimeP95 = times.p95;
  figures.detectionTimeSlowestPage = times.slowestPage;
  figures.redetectionPer1000Mutations = await redetectionCost();
  console.info(formatTable(figures));
  console.info(JSON.stringify(figures, null, 2));
}
