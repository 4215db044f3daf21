import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing';

export default defineConfig({
  plugins: [WxtVitest()],
  // Test files sit outside tsconfig.json (the extension project), so its jsxImportSource does not reach them.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: [
      'utils/**/*.test.ts',
      'components/**/*.test.tsx',
      'entrypoints/**/*.test.{ts,tsx}',
      'server/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // quiet-dom drops happy-dom's "loading is disabled" lines, which buried real failures in the detector tests.
    setupFiles: ['fake-indexeddb/auto', 'utils/detectors/fixtures/quiet-dom.ts'],
    testTimeout: 20_000,
  },
});
