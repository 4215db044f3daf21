// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import type { DetectorRun } from '../detectors/runner';
import { startAgent } from './agent';

/** The content script's agent reports the runner's health events to the background, once per page view. */
describe('agent: detector health', () => {
  const controller = new AbortController();
  afterEach(() => controller.abort());

  it('sends each health event of a page view once, however often the page changes, and no page content', async () => {
    const sent: { type: string; data: unknown }[] = [];
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (message: {
      type: string;
      data: unknown;
    }) => {
      sent.push(message);
      return { ok: true, value: undefined };
    }) as never);
    // The fake browser has no ports; the capture streams the agent also serves are not under test here.
    vi.spyOn(fakeBrowser.runtime.onConnect, 'addListener').mockImplementation(() => undefined);
    vi.spyOn(fakeBrowser.runtime.onConnect, 'removeListener').mockImplementation(() => undefined);
    document.body.innerHTML = '<h2>Salary talks with Ann</h2>';
    let runs = 0;
    const run = (): DetectorRun => {
      runs++;
      return {
        detections: [],
        errors: [{ detector: 'gmail', problem: 'detect-failed', message: 'Cannot read "Salary talks with Ann"' }],
        health: [{ detector: 'gmail', app: 'gmail', problem: 'detect-failed', build: 'boq_gmail_1' }],
      };
    };
    startAgent(controller.signal, run);
    await vi.waitFor(() => expect(sent.some((m) => m.type === 'content.health')).toBe(true));
    for (let i = 0; i < 3; i++) {
      const before = runs;
      document.body.append(document.createElement('p'));
      await vi.waitFor(() => expect(runs).toBeGreaterThan(before), { timeout: 10_000 });
    }
    const health = sent.filter((m) => m.type === 'content.health');
    expect(health).toEqual([
      {
        type: 'content.health',
        data: { events: [{ detector: 'gmail', app: 'gmail', problem: 'detect-failed', build: 'boq_gmail_1' }] },
      },
    ]);
    expect(JSON.stringify(health)).not.toContain('Salary');
  });
});
