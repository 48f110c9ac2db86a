import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

/**
 * The CLI's test files share their worker's modules (most of their work is in the sdk processes
 * they start; reloading the test's own modules per file cost a fifth of the suite's CPU). They
 * can: none mocks a module or changes process state (layers.test.ts checks), and each one creates
 * its own databases and project folders.
 */
export default mergeConfig(shared, defineConfig({ test: { isolate: false } }));
