import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing';

export default defineConfig({
  plugins: [WxtVitest()],
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
