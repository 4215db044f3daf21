/**
 * `npm run bench`: measures the built extension and writes bench/results.json. Run after `npm run build`
 * (the npm script does both). Timings come from real Chromium on loopback; nothing here is a test.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROME_BUILD, CHROMIUM, CHROMIUM_FLAGS, launchWithExtension, startRepository } from '../tests/e2e/harness.ts';
import { loadAllFixtures } from '../utils/detectors/fixtures/fixtures.ts';
import type { Detection } from '../utils/detectors/types.ts';
import { mergePresets } from '../utils/presets/merge.ts';
import { suggest } from '../utils/presets/suggest.ts';
import { validatePresets } from '../utils/presets/validate.ts';
import { benchDeclareLatency } from './declare.ts';
import { benchDrainThroughput, benchUploadMemory } from './drain.ts';
import { type Figure, formatTable, median } from './figures.ts';
import { largePresets } from './presets-data.ts';
import { benchRecovery } from './recovery.ts';
import { ingestPeakRss, ingestVsBare } from './server-ingest.ts';
import { uiFigures } from './ui.ts';

const gzipKb = (files: string[]) =>
  Math.round(files.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).byteLength, 0) / 102.4) / 10;

/**
 * The content script a page of each app carries (one per app). The on-demand scripts — every detector for an
 * unknown site, the snapshot sanitiser — load only on the user's gesture and are reported beside it.
 */
function contentScriptSizes(): Figure {
  const dir = join(CHROME_BUILD, 'content-scripts');
  const sizes = Object.fromEntries(readdirSync(dir).map((file) => [file, gzipKb([join(dir, file)])]));
  const onDemand = new Set(['page.js', 'snapshot.js']);
  const perApp = Object.entries(sizes).filter(([file]) => !onDemand.has(file));
  return {
    value: Math.max(...perApp.map(([, kb]) => kb)),
    unit: 'KB',
    target: 25,
    better: 'lower',
    detail: { figure: 'largest per-app content script', ...sizes },
  };
}

/** Every script and stylesheet popup.html loads, as shipped. */
function popupFiles(): string[] {
  const html = readFileSync(join(CHROME_BUILD, 'popup.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((m) => join(CHROME_BUILD, m[1]!));
}

async function detectionTimes(): Promise<Record<'median' | 'p95' | 'slowestPage', Figure>> {
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
    median: {
      value: round(median(all)),
      unit: 'ms',
      target: 1,
      better: 'lower',
      detail: { pages: Object.keys(detail).length, ...detail },
    },
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

async function redetectionCost(): Promise<Figure> {
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
      const tbody = document.querySelector('table.F tbody')!;
      for (let frame = 0; frame < 100; frame++) {
        for (let i = 0; i < 10; i++) {
          if (i % 2) tbody.appendChild(tbody.firstElementChild!.cloneNode(true));
          else tbody.removeChild(tbody.lastElementChild!);
        }
        await new Promise((done) => requestAnimationFrame(done));
      }
      await new Promise((done) => setTimeout(done, 1500));
      const bench = (
        globalThis as never as { recordkeeperRedetect: { counters: Record<string, number>; stop(): void } }
      ).recordkeeperRedetect;
      bench.stop();
      return bench.counters;
    });
    return {
      value: Math.round(counters.busyMs! * 100) / 100,
      unit: 'ms',
      target: 10,
      better: 'lower',
      detail: {
        mutations: 1000,
        pageElements: elements,
        observerCallbacks: counters.callbacks!,
        detectorRuns: counters.detections!,
      },
    };
  } finally {
    await browser.close();
  }
}

/** A 50 KB RFC 822 message: headers like Gmail's and a plain-text body. */
function email50k(): Buffer {
  const head = readFileSync('utils/detectors/fixtures/gmail/e2e-message.eml', 'latin1').split('\r\n\r\n')[0]!;
  const headers = head.replace(
    /Content-Type: multipart\/mixed;[^\r]*(\r\n[ \t][^\r]*)*/,
    'Content-Type: text/plain; charset="UTF-8"',
  );
  const line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\r\n';
  let body = '';
  while (headers.length + body.length < 50 * 1024) body += line;
  return Buffer.from(`${headers}\r\n\r\n${body}`, 'latin1');
}

async function declareToReceipt(): Promise<Figure> {
  const repository = await startRepository();
  const browser = await launchWithExtension();
  const eml = email50k();
  try {
    await browser.connectTo(repository);
    const html = readFileSync('utils/detectors/fixtures/gmail/e2e-message.html');
    await browser.context.route('https://mail.google.com/**', (route) =>
      new URL(route.request().url()).searchParams.get('view') === 'att'
        ? route.fulfill({ body: eml, contentType: 'message/rfc822' })
        : route.fulfill({ body: html, contentType: 'text/html; charset=utf-8' }),
    );
    const page = await browser.context.newPage();
    await page.goto('https://mail.google.com/mail/u/0/#inbox/FMfcgzGrbHrBdFGBXqpFZvSkcQpKkvrM');
    const tabId = await browser.tabIdOf(page);
    const popup = await browser.popup(tabId);
    await popup.getByLabel('Title').waitFor();
    const samples = await popup.evaluate(async (tab) => {
      const call = async (type: string, data: unknown) => {
        const answer = await chrome.runtime.sendMessage({ type, data });
        if (!answer?.ok) throw new Error(answer?.error ?? `no answer to ${type}`);
        return answer.value;
      };
      const { detections } = await call('tab.detections', { tabId: tab });
      const times: number[] = [];
      for (let i = 0; i < 25; i++) {
        const start = performance.now();
        const result = await call('record.declare', {
          tabId: tab,
          detection: detections[0],
          title: `Bench ${i}`,
          tags: [],
        });
        if (!result.ok) throw new Error(result.error);
        for (;;) {
          const view = await call('record.get', { id: result.id });
          if (view?.state === 'synced') break;
          if (view?.state === 'needs-attention') throw new Error(view.lastError);
          await new Promise((done) => setTimeout(done, 2));
        }
        times.push(performance.now() - start);
      }
      return times;
    }, tabId);
    const measured = samples.slice(5); // the first few warm up the worker, the server and PGlite
    return {
      value: Math.round(median(measured) * 10) / 10,
      unit: 'ms',
      target: 250,
      better: 'lower',
      detail: {
        emailBytes: eml.byteLength,
        samples: measured.length,
        p90: Math.round(measured.sort((a, b) => a - b)[Math.floor(measured.length * 0.9)]! * 10) / 10,
      },
    };
  } finally {
    await browser.close();
    await repository.close();
  }
}

/** Presets: validation and merge of a 5,000-category, 200-profile, 2,000-rule document; rule matching per item. */
function presetsFigures(): Record<string, Figure> {
  const document = largePresets();
  const copy = JSON.parse(JSON.stringify(document));
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const start = performance.now();
    const checked = validatePresets(copy);
    if (!checked.ok) throw new Error(`largePresets() is invalid: ${checked.problems[0]?.message}`);
    mergePresets({ repository: checked.presets });
    times.push(performance.now() - start);
  }
  const detection = loadAllFixtures().find((f) => f.site === 'gmail' && f.file === 'e2e-message.html')!
    .expected as Detection[];
  const matchTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const start = performance.now();
    suggest(document, detection[0]!);
    matchTimes.push((performance.now() - start) * 1000);
  }
  return {
    presetsValidateMerge: {
      value: Math.round(median(times.slice(5)) * 10) / 10,
      unit: 'ms',
      target: 50,
      better: 'lower',
      detail: { categories: 5000, profiles: document.profiles.length, rules: document.rules.length },
    },
    ruleMatchingPerDetection: {
      value: Math.round(median(matchTimes.slice(20)) * 10) / 10,
      unit: 'µs',
      target: 100,
      better: 'lower',
      detail: { rules: document.rules.length, figure: 'suggest() on a Gmail detection, no rule matching' },
    },
  };
}

/** The outbox drain against the same server fed by a plain Node client, and the worker's memory on a big part. */
async function syncFigures(): Promise<Record<string, Figure>> {
  return {
    drainThroughputRatio: await benchDrainThroughput(),
    uploadMemory200MB: await benchUploadMemory(),
    recoveryAfterOutage1000: await benchRecovery(),
    declareLatencyByHistory: await benchDeclareLatency(),
  };
}

/** The reference repository's own figures: ingest against a bare HTTP floor, and memory for one 500 MB part. */
async function repositoryFigures(): Promise<Record<string, Figure>> {
  const databaseUrl = process.env.TEST_DATABASE_URL || undefined;
  const ingest = await ingestVsBare({ seconds: 5, concurrency: 8, recordKb: 50, databaseUrl });
  const figures: Record<string, Figure> = {
    repositoryIngestPglite: {
      value: ingest.pgliteRecordsPerSecond,
      unit: 'records/s',
      target: 0,
      better: 'higher',
      detail: { bareRecordsPerSecond: ingest.bareRecordsPerSecond, clients: 8, recordKb: 50 },
    },
    repositoryIngestRatioPglite: { value: ingest.ratioPglite, unit: '× bare', target: 0.5, better: 'higher' },
  };
  if (ingest.postgresRecordsPerSecond !== undefined) {
    figures.repositoryIngestPostgres = {
      value: ingest.postgresRecordsPerSecond,
      unit: 'records/s',
      target: 0,
      better: 'higher',
    };
    figures.repositoryIngestRatioPostgres = {
      value: ingest.ratioPostgres!,
      unit: '× bare',
      target: 0.5,
      better: 'higher',
    };
  }
  for (const [engine, url] of [['Pglite', undefined], ...(databaseUrl ? [['Postgres', databaseUrl]] : [])] as const) {
    const rss = await ingestPeakRss({ megabytes: 500, databaseUrl: url });
    figures[`repositoryPeakRss500MB${engine}`] = {
      value: rss.peakRssMb,
      unit: 'MB',
      target: 150,
      better: 'lower',
      detail: { rssBeforeMb: rss.rssBeforeMb, growthMb: rss.growthMb },
    };
  }
  return figures;
}

const results: Record<string, Figure> = {
  popupBundleGzip: { value: gzipKb(popupFiles()), unit: 'KB', target: 40, better: 'lower' },
  contentScriptGzip: contentScriptSizes(),
  ...(await detectionTimes().then((times) => ({
    detectionTimeMedian: times.median,
    detectionTimeP95: times.p95,
    detectionTimeSlowestPage: times.slowestPage,
  }))),
  redetectionPer1000Mutations: await redetectionCost(),
  declareToReceiptLatency: await declareToReceipt(),
  ...presetsFigures(),
  ...(await syncFigures()),
  ...(await uiFigures()),
  ...(await repositoryFigures()),
};

writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
console.info(formatTable(results));
