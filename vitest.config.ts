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
    setupFiles: ['fake-indexeddb/auto'],
    // happy-dom reports every <iframe> and stylesheet of a parsed fixture page it was told not to load; the lines
    // bury real failures in the detector tests' output, so exactly those are dropped.
    onConsoleLog: (log) => !/(?:Iframe page|CSS file) loading is disabled/.test(log),
    testTimeout: 20_000,
  },
});
