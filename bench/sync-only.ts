/**
 * `npx tsx bench/sync-only.ts [drain|recovery|recovery-pg|declare]…` after `npm run build`: only the outbox figures,
 * merged into bench/results.json beside the others (recovery-pg needs TEST_DATABASE_URL, a PostgreSQL to make a
 * schema in). `npm run bench` runs them with everything else.
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
if (wanted.has('recovery-pg')) {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('recovery-pg needs TEST_DATABASE_URL (sh scripts/ci-postgres.sh prints one).');
  figures.recoveryAfterOutage1000Postgres = await benchRecovery(undefined, undefined, undefined, databaseUrl);
}
const path = 'bench/results.json';
const previous = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Figure>) : {};
writeFileSync(path, `${JSON.stringify({ ...previous, ...figures }, null, 2)}\n`);
console.info(formatTable(figures));
