import { defineConfig } from 'vitest/config';

/**
 * Browser end-to-end tests: the built extension in real Chromium and Firefox ESR, one file at a time. They must
 * pass on a busy two-core machine shared with other jobs: they wait for readiness signals, never for fixed times,
 * and a test is slow, not failing, for minutes (tests/e2e/harness.ts PATIENCE_MS for single waits).
 */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 5 * 60_000,
    hookTimeout: 5 * 60_000,
    teardownTimeout: 60_000,
    // `expect.poll` waits one second by default: far too short for a browser on a loaded machine.
    expect: { poll: { timeout: 90_000, interval: 100 } },
  },
});
