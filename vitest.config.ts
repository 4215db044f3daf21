import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing';

export default defineConfig({
  plugins: [WxtVitest()],
  // Test files are outside tsconfig.json's project (it excludes them), so its JSX settings do not reach them.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: [
      'utils/**/*.test.ts',
      'components/**/*.test.tsx',
      'entrypoints/**/*.test.{ts,tsx}',
      'server/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    setupFiles: ['fake-indexeddb/auto'],
    testTimeout: 20_000,
  },
});
