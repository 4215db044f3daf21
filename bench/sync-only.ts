/**
 * `npx tsx bench/sync-only.ts [drain|recovery|declare]…` after `npm run build`: only the outbox figures, merged
 * into bench/results.json beside the others. `npm run bench` runs them with everything else.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { benchDeclareLatency } from './declare.ts';
import { benchDrainThroughput } from './drain.ts';
import { type Figure, formatTable } from './figures.ts';
import { benchRecovery } from './recovery.ts';

const wanted = new Set(process.argv.slice(2));
const all = !wanted.size;
const figures: Record<string, Figure> = {};
if (all || wanted.has('drain')) figures.drainThroughputRatio = await benchDrainThroughput();
if (all || wanted.has('declare')) figures.declareLatencyByHistory = await benchDeclareLatency();
if (all || wanted.has('recovery')) figures.recoveryAfterOutage1000 = await benchRecovery();
const path = 'bench/results.json';
const previous = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Figure>) : {};
writeFileSync(path, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
console.info(formatTable(figures));
