import { defineConfig } from 'vitest/config';

/** Browser end-to-end tests: the built extension in real Chromium, one file at a time. */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
