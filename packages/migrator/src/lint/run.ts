/**
 * What `sdk db lint` loads on its start path: the file driver and the renderers, without the
 * parser and the rules, which lintPaths loads only when the cache does not answer for a file.
 * Served as `@big0290/migrator/lint/run`; everything here is also exported by lint/index.ts.
 */
export { lintPaths, checkPgVersion, NEWEST_PG_VERSION, OLDEST_PG_VERSION } from './files.js';
export type { LintOptions, LintResult } from './files.js';
export type { LintCacheStats } from './cache.js';
export { renderPretty } from './report/pretty.js';
export { renderJson, renderGithub, renderSarif } from './report/machine.js';
export type { LintReport } from './types.js';
