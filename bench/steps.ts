import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import type { Figure } from './figures.ts';

/**
 * What `npm run bench` says while it works (bench/run.ts): each figure's start and end with its time, so a run that
 * takes many minutes never looks hung, and the machine it ran on, so absolute times compare across machines.
 */

const started = performance.now();
const clock = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;

/** Runs one figure's measurement between a start line and a finish line on stdout. */
export async function step<T>(name: string, measure: () => T | Promise<T>): Promise<T> {
  console.info(`[${clock()}] ${name}: started`);
  const t0 = performance.now();
  try {
    const result = await measure();
    console.info(`[${clock()}] ${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    console.info(`[${clock()}] ${name}: FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    throw error;
  }
}

/** A progress line inside a long figure, indented under its start line. */
export const progress = (line: string) => console.info(`[${clock()}]   ${line}`);

/**
 * The machine: its core count, and a CPU-speed reference figure — single-thread SHA-256 throughput over 64 MiB
 * (the repository hashes every byte it keeps, so it is also the work that matters most here). Median of 5.
 */
export function machineFigures(): Record<string, Figure> {
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  const rates: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    const hash = createHash('sha256');
    for (let i = 0; i < 64; i++) hash.update(block);
    hash.digest();
    rates.push(64 / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return {
    machineCores: {
      value: availableParallelism(),
      unit: 'cores',
      target: 0,
      better: 'higher',
      detail: { model: cpus()[0]?.model ?? 'unknown', speedMHz: cpus()[0]?.speed ?? 0 },
    },
    machineCpuSha256: {
      value: Math.round(rates[2]!),
      unit: 'MiB/s',
      target: 0,
      better: 'higher',
      detail: {
        figure: 'single-thread sha256 of 64 MiB, median of 5',
        min: Math.round(rates[0]!),
        max: Math.round(rates[4]!),
      },
    },
  };
}

/**
 * The PostgreSQL the repository figures run on: TEST_DATABASE_URL when set, otherwise the one
 * scripts/ci-postgres.sh starts (as CI does). Undefined, with the reason printed, when none can be started.
 */
export function benchPostgres(): string | undefined {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const run = spawnSync('sh', ['scripts/ci-postgres.sh'], { encoding: 'utf8', timeout: 5 * 60_000 });
  const url = run.stdout?.trim();
  if (run.status === 0 && url?.startsWith('postgres://')) return url;
  const why = run.error?.message ?? run.stderr?.trim().split('\n').slice(-3).join(' / ') ?? `exit ${run.status}`;
  console.info(`PostgreSQL could not be started (${why}); the PostgreSQL figures are left out of this run.`);
  return undefined;
}
