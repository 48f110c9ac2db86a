import { defineConfig } from 'vitest/config';

/**
 * vitest settings for packages whose tests need PostgreSQL: one server per run, a database per file.
 * Files run side by side (each has its own databases): most of a test's time is spent waiting on
 * the server or a child process, so more workers than cores keep both busy.
 */
export default defineConfig({
  test: {
    globalSetup: ['@big0290/testing/global-setup'],
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 4,
  },
});
