import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

/**
 * The library's test files share their worker's modules (no per-file reload of the parser and the
 * library: two thirds of the suite's CPU time when each file loaded its own). They can: no file
 * mocks a module, stubs the environment or changes the working directory, and each one creates
 * its own databases. layers.test.ts keeps it that way.
 */
export default mergeConfig(shared, defineConfig({ test: { isolate: false } }));
