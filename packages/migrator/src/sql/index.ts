export { analyzeSql, analyzeSqlSync, loadParser, parseStatements } from './parse.js';
export type { RawStatement } from './types.js';
export { classify } from './classify.js';
export { migrationPhase, lockTimeoutComment } from './phase.js';
export type { MigrationPhase } from './phase.js';
export { walk, unwrap, stringConstants } from './ast.js';
export type { Node } from './ast.js';
export { SourceText } from './source-text.js';
export type { Phase, SqlStatement } from './types.js';
