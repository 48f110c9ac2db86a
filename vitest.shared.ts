import { defineConfig } from 'vitest/config';

/** vitest settings for packages whose tests need PostgreSQL: one server per run, a database per file. */
export default defineConfig({
  test: {
    globalSetup: ['@big0290/testing/global-setup'],
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
