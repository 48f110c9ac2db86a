import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What a test file could leave behind for the next file in a worker that is not reset between files. */
const PROCESS_STATE = /\bvi\.(mock|doMock|stubEnv|stubGlobal)\(|process\.chdir\(|process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|delete process\.env/;

/**
 * The test files under `dir` (relative paths) that mock modules, stub the environment or globals,
 * or change the working directory or process.env. A package whose vitest config sets
 * `isolate: false` (its files share their worker's modules and process) asserts this is empty.
 */
export function testFilesTouchingProcessState(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => PROCESS_STATE.test(readFileSync(file, 'utf8')))
    .map((file) => relative(dir, file))
    .sort();
}
