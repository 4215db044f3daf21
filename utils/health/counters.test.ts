// @vitest-environment happy-dom
import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { healthReporter } from '../detectors/health';
import { runDetectorList } from '../detectors/runner';
import type { Detector } from '../detectors/types';
import { protocol } from '../messaging';
import { countEvents, countersOf, countsBody, freshState, MAX_COUNTERS } from './counters';
import { DiagnosticsBodySchema, type HealthEvent } from './events';

const CANARY = 'CANARY-Salary-talks-with-Ann-7731';
const REPORTER = '0f8e4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';

/** A detector broken the way web apps break them: its scrape throws with page text in the message. */
const broken: Detector = {
  id: 'gmail',
  app: 'gmail',
  hosts: ['https://mail.google.com/*'],
  matches: (url) => url.hostname === 'mail.google.com',
  expectsItem: (url) => url.hash.startsWith('#inbox/'),
  build: (document) => document.querySelector('meta[name="build"]')?.getAttribute('content') ?? undefined,
  detect: (document) => {
    throw new Error(`Cannot read subject of "${document.querySelector('h2')?.textContent}"`);
  },
} as Detector;

function pageWithCanary(build = 'boq_gmail_20261120.00_p1'): Document {
  document.head.innerHTML = `<meta name="build" content="${build}"><title>${CANARY}</title>`;
  document.body.innerHTML = `<h2 data-thread="${CANARY}">${CANARY}</h2><a href="https://x.test/?q=${CANARY}">${CANARY}</a>`;
  return document;
}

describe('detector health counts', () => {
  afterEach(() => vi.useRealTimers());

  it('counts a runner error per detector, app and build, carrying nothing of the page', () => {
    const url = `https://mail.google.com/mail/u/0/#inbox/${CANARY}`;
    const run = runDetectorList(pageWithCanary(), url, [broken], undefined);
    // The message for the console may quote the page; the counted event never does.
    expect(run.errors[0]?.message).toContain(CANARY);
    expect(run.health).toEqual([
      { detector: 'gmail', app: 'gmail', problem: 'detect-failed', build: 'boq_gmail_20261120.00_p1' },
    ]);

    let state = freshState(REPORTER, Date.parse('2026-11-20T09:00:00Z'));
    state = countEvents(state, run.health, Date.parse('2026-11-20T09:00:00Z'));
    state = countEvents(state, run.health, Date.parse('2026-11-21T09:00:00Z'));
    const body = { reporter: state.reporter, counts: countsBody(state) };
    expect(JSON.stringify(state)).not.toContain('CANARY');
    expect(JSON.stringify(body)).not.toContain('CANARY');
    expect(body.counts).toEqual([
      {
        detector: 'gmail',
        app: 'gmail',
        build: 'boq_gmail_20261120.00_p1',
        problem: 'detect-failed',
        count: 2,
        firstSeen: '2026-11-20T09:00:00.000Z',
        lastSeen: '2026-11-21T09:00:00.000Z',
      },
    ]);
    // What the browser would send is what the repository validates (server/routes/diagnostics.ts).
    expect(v.safeParse(DiagnosticsBodySchema, body).success).toBe(true);
  });

  it('takes no build marker that could be page text', () => {
    const run = runDetectorList(
      pageWithCanary(`${CANARY} from Ann`),
      'https://mail.google.com/#inbox/1',
      [broken],
      undefined,
    );
    expect(run.health).toEqual([{ detector: 'gmail', app: 'gmail', problem: 'detect-failed' }]);
  });

  it('counts "the URL names an item, nothing was found" once the page has settled', () => {
    vi.useFakeTimers();
    const quiet = { ...broken, detect: () => [] } as Detector;
    const url = 'https://mail.google.com/mail/u/0/#inbox/FMfcgz';
    const sent: HealthEvent[][] = [];
    const reporter = healthReporter({
      send: async (events) => {
        sent.push(events);
      },
      recheck: () => reporter.observe(url, runDetectorList(pageWithCanary(), url, [quiet], undefined).health),
      settleMs: 10_000,
    });
    reporter.observe(url, runDetectorList(pageWithCanary(), url, [quiet], undefined).health);
    expect(sent).toEqual([]); // still loading: nothing missed yet
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([[{ detector: 'gmail', app: 'gmail', problem: 'missed', build: 'boq_gmail_20261120.00_p1' }]]);
    // The same page view changing a thousand times counts once.
    for (let i = 0; i < 1000; i++) reporter.observe(url, [{ detector: 'gmail', app: 'gmail', problem: 'missed' }]);
    expect(sent.flat().filter((event) => event.build === undefined)).toHaveLength(1);
    reporter.stop();
  });

  it('accepts from a content script ids and kinds only: page text is refused, extra fields dropped', () => {
    const schema = protocol['content.health'].data;
    expect(
      v.safeParse(schema, { events: [{ detector: `x ${CANARY} y`, app: 'gmail', problem: 'missed' }] }).success,
    ).toBe(false);
    expect(
      v.safeParse(schema, { events: [{ detector: 'gmail', app: 'gmail', problem: 'missed', build: '<b>' }] }).success,
    ).toBe(false);
    const parsed = v.parse(schema, { events: [{ detector: 'gmail', app: 'gmail', problem: 'missed', title: CANARY }] });
    expect(JSON.stringify(parsed)).not.toContain('CANARY');
  });

  it('keeps at most MAX_COUNTERS, dropping the least recently seen', () => {
    let state = freshState(REPORTER, 0);
    for (let i = 0; i <= MAX_COUNTERS; i++) {
      state = countEvents(state, [{ detector: `site-${i}`, app: 'site', problem: 'detect-failed' }], i);
    }
    const counters = countersOf(state);
    expect(counters).toHaveLength(MAX_COUNTERS);
    expect(counters.some((counter) => counter.detector === 'site-0')).toBe(false);
    expect(counters[0]?.detector).toBe(`site-${MAX_COUNTERS}`);
  });
});
