/**
 * `npm run bench`: measures the built extension and writes bench/results.json. Run after `npm run build`
 * (the npm script does both). Timings come from real Chromium on loopback; nothing here is a test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROME_BUILD, declareTimed } from '../tests/e2e/harness.ts';
import { loadAllFixtures } from '../utils/detectors/fixtures/fixtures.ts';
import type { Detection } from '../utils/detectors/types.ts';
import { mergePresets } from '../utils/presets/merge.ts';
import { suggest } from '../utils/presets/suggest.ts';
import { validatePresets } from '../utils/presets/validate.ts';
import { benchConnectors } from './connectors.ts';
import { benchDeclareLatency, gmailPopup } from './declare.ts';
import { contentScriptSizes, detectionTimes, gzipKb, redetectionCost } from './detection.ts';
import { benchDrainThroughput, benchUploadMemory } from './drain.ts';
import { type Figure, formatTable, median } from './figures.ts';
import { largePresets } from './presets-data.ts';
import { benchRecovery } from './recovery.ts';
import { ingestPeakRss, ingestVsSink } from './server-ingest.ts';
import { benchPostgres, machineFigures, progress, step } from './steps.ts';
import { uiFigures } from './ui.ts';

/** Every script and stylesheet popup.html loads, as shipped. */
function popupFiles(): string[] {
  const html = readFileSync(join(CHROME_BUILD, 'popup.html'), 'utf8');
  return [...html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((m) => join(CHROME_BUILD, m[1]!));
}

async function declareToReceipt(): Promise<Figure> {
  const { repository, browser, popup, tabId, eml } = await gmailPopup();
  try {
    const { ms: samples } = await declareTimed(popup, tabId, 25, 'Bench', true);
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

/**
 * The outbox drain against the same server fed by a plain Node client, the worker's memory on a big part, recovery
 * after an outage (against the PGlite repository, and against PostgreSQL, production's engine, when it runs) and
 * declare latency as the history grows: each a step of its own, on a settled disk (bench/steps.ts).
 */
async function syncFigures(databaseUrl: string | undefined): Promise<Record<string, Figure>> {
  return {
    drainThroughputRatio: await step('drain throughput against a plain Node client', () => benchDrainThroughput()),
    uploadMemory200MB: await step('upload memory, one 200 MB part', () => benchUploadMemory()),
    recoveryAfterOutage1000: await step('recovery after an outage, 1,000 records (PGlite)', () => benchRecovery()),
    ...(databaseUrl
      ? {
          recoveryAfterOutage1000Postgres: await step('recovery after an outage, 1,000 records (PostgreSQL)', () =>
            benchRecovery(undefined, undefined, undefined, databaseUrl),
          ),
        }
      : {}),
    declareLatencyByHistory: await step('declare latency at 0, 5,000 and 10,000 records', () => benchDeclareLatency()),
  };
}

/**
 * The reference repository's own figures: ingest on each engine against the fsync'd sink of bench/ingest-sink.ts,
 * measured in one run (so the ratios share the machine's load), and peak memory for one 500 MB part.
 */
async function repositoryFigures(databaseUrl: string | undefined): Promise<Record<string, Figure>> {
  const ingest = await step(`repository ingest (sink, PGlite${databaseUrl ? ', PostgreSQL)' : ')'}`, () =>
    ingestVsSink({ seconds: 5, rounds: 3, concurrency: 8, recordKb: 50, databaseUrl, progress }),
  );
  const shared = { clients: 8, recordKb: 50, sinkRecordsPerSecond: ingest.sinkRecordsPerSecond };
  const figures: Record<string, Figure> = {};
  for (const [engine, result, target] of [
    ['Pglite', ingest.pglite, 0.35],
    ['Postgres', ingest.postgres, 0.5],
  ] as const) {
    if (!result) continue;
    figures[`repositoryIngest${engine}`] = {
      value: result.recordsPerSecond,
      unit: 'records/s',
      target: 0,
      better: 'higher',
      detail: { ...shared, cpuMsPerRecord: result.cpuMsPerRecord, sinkCpuMsPerRecord: ingest.sinkCpuMsPerRecord },
    };
    figures[`repositoryIngestRatio${engine}`] = {
      value: result.ratio,
      unit: '× sink',
      target,
      better: 'higher',
      detail: { ...shared, lowestRound: result.ratioMin, highestRound: result.ratioMax },
    };
  }
  for (const [engine, url] of [['Pglite', undefined], ...(databaseUrl ? [['Postgres', databaseUrl]] : [])] as const) {
    const rss = await step(`repository peak RSS, one 500 MB part (${engine})`, () =>
      ingestPeakRss({ megabytes: 500, databaseUrl: url }),
    );
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

const databaseUrl = await step('PostgreSQL for the repository figures', () => benchPostgres());
const results: Record<string, Figure> = {
  ...(await step('machine: cores and CPU reference', () => machineFigures())),
  popupBundleGzip: await step('popup bundle size', () => ({
    value: gzipKb(popupFiles()),
    unit: 'KB',
    target: 40,
    better: 'lower' as const,
  })),
  contentScriptGzip: await step('content script sizes', () => contentScriptSizes()),
  ...(await step('detection times', () => detectionTimes()).then((times) => ({
    detectionTimeMedian: times.median,
    detectionTimeP95: times.p95,
    detectionTimeSlowestPage: times.slowestPage,
  }))),
  redetectionPer1000Mutations: await step('re-detection per 1,000 mutations', () => redetectionCost()),
  declareToReceiptLatency: await step('declare → receipt latency', () => declareToReceipt()),
  ...(await step('presets validate/merge and rule matching', () => presetsFigures())),
  ...(await syncFigures(databaseUrl)),
  ...(await step('popup and options at scale', () => uiFigures())),
  ...(await step('Alfresco, CMIS and Microsoft 365 connectors against the Records API path', () => benchConnectors())),
  ...(await repositoryFigures(databaseUrl)),
};

writeFileSync('bench/results.json', `${JSON.stringify(results, null, 2)}\n`);
console.info(formatTable(results));
