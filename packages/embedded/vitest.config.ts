import { defineConfig } from 'vitest/config';

/** These tests start no shared server: each one that needs PostgreSQL starts its own embedded one. */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
