/**
 * `npx tsx bench/ui-only.ts` after `npm run build`: only the popup and options figures (bench/ui.ts), merged into
 * bench/results.json beside the others. `npm run bench` runs them with everything else.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Figure, formatTable } from './figures.ts';
import { uiFigures } from './ui.ts';

const figures = await uiFigures();
const path = 'bench/results.json';
const previous = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Figure>) : {};
writeFileSync(path, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
console.info(formatTable(figures));
