import { defineContentScript } from 'wxt/utils/define-content-script';
import { skeletonOf } from '../utils/health/skeleton';

/**
 * Injected by the background only when the user reports a missed page, so the skeleton code never weighs on the
 * content scripts that run on every page load. It reads the page and answers its masked skeleton and address
 * (utils/health/service.ts masks the address too).
 */
export default defineContentScript({
  registration: 'runtime',
  matches: [],
  main() {
    const { body, truncated } = skeletonOf(document);
    return { body, truncated, url: location.href };
  },
});
