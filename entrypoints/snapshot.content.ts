import { defineContentScript } from 'wxt/utils/define-content-script';
import { snapshotPage } from '../utils/capture/snapshot';

/**
 * Injected by the background only when a declaration needs a snapshot of the page, so the sanitiser (DOMPurify)
 * never weighs on the content script that runs on every page load. Its result is the snapshot.
 */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  main() {
    return snapshotPage(document, location.href, new Date());
  },
});
