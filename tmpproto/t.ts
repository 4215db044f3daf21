import { launchFirefox } from '../tests/e2e/firefox.ts';
const t0 = Date.now();
const ff = await launchFirefox({ headed: true });
console.log('launched', Date.now() - t0);
const r = await Promise.race([ff.privileged<string>(`CustomizableUI.getPlacementOfWidget('x')?.area ?? 'none'`), new Promise((r) => setTimeout(() => r('TIMEOUT'), 20000))]);
console.log('result', r, Date.now() - t0);
await ff.close();
