export { analyzeSql, analyzeSqlSync, loadParser, parseStatements, SourceMap } from './parse.js';
export type { RawStatement } from './parse.js';
export { classify } from './classify.js';
export { migrationPhase } from './phase.js';
export type { Phase, SqlStatement } from './types.js';
