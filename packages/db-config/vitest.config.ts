import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['@big0290/testing/global-setup'],
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
