/**
 * What lintPaths loads to judge files, when the cache does not answer for one: the sequence
 * driver, the parser and the rules, with everything below them. The build bundles this module
 * into judge.bundle.js (scripts/bundle-judge.mjs), which judge-loader.ts loads while every module
 * it was built from is unchanged: one file instead of about a hundred ES modules.
 */
export { lintSequence } from './sequence.js';
export { loadParser } from '../sql/parse.js';
export { RULES } from './registry.js';
