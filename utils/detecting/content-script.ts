import { defineContentScript } from 'wxt/utils/define-content-script';
import { runDetectorList } from '../detectors/runner';
import type { Detector } from '../detectors/types';
import { startAgent } from './agent';

/** Which detectors each app content script holds, for the test that checks every app has its script. */
export const scriptDetectors = new WeakMap<object, readonly string[]>();

/**
 * The content script of one app (two apps sharing a domain share one): it holds only that app's detectors, so it
 * stays small, runs once the page is idle, and re-detects only when the page changes. It never offers a plain web
 * page: on an app's own host only the app answers. The same file is registered at run time on the hosts an admin
 * names for the app (presets `appHosts`), so an app on its own host is read by exactly the same code.
 */
export function appContentScript(detectors: readonly Detector[]) {
  const definition = defineContentScript({
    matches: [...new Set(detectors.flatMap((detector) => detector.hosts))],
    runAt: 'document_idle',
    main(ctx) {
      startAgent(ctx.signal, (document, url) =>
        runDetectorList(document, url, detectors, undefined, { onAppHost: true }),
      );
    },
  });
  scriptDetectors.set(
    definition,
    detectors.map((detector) => detector.id),
  );
  return definition;
}
