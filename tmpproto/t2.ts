import { launchFirefox } from '../tests/e2e/firefox.ts';
const t0 = Date.now();
const ff = await launchFirefox({ headed: true });
console.log('launched', Date.now() - t0);
for (let i = 0; i < 3; i++) {
  const r = await Promise.race([ff.privileged<string>(`CustomizableUI.getPlacementOfWidget('x')?.area ?? 'none${i}'`), new Promise((r) => setTimeout(() => r('TIMEOUT'), 15000))]);
  console.log('result', r, Date.now() - t0);
}
await ff.close();
