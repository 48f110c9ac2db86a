import { basename, extname } from 'node:path';
import { ENGINE_RULE_IDS, lintText } from './engine.js';
import { SchemaKnowledge } from './knowledge.js';
import { readMigration } from './read.js';
import { RULE_IDS } from './registry.js';
import type { FileReport, LintRule } from './types.js';

/** Consecutive migrations of one folder, in the order they run; `lint: false` ones are only read for history. */
export interface SequenceJob {
  files: { absolute: string; display: string; lint: boolean }[];
  pgVersion: number;
}

export interface SequenceResult {
  /** By absolute path, for the files with `lint: true`. */
  reports: [string, FileReport][];
  /** File texts by display path, for code frames. */
  sources: [string, string][];
}

/**
 * Lints one sequence with one SchemaKnowledge, so each file is judged with what the files before
 * it created, typed and validated. Plain data in and out.
 */
export function lintSequence(job: SequenceJob, rules: readonly LintRule[]): SequenceResult {
  const knowledge = new SchemaKnowledge();
  const reports: [string, FileReport][] = [];
  const sources: [string, string][] = [];
  job.files.forEach((file, i) => {
    knowledge.file = i;
    const read = readMigration(file.absolute, file.display);
    if (typeof read !== 'string') {
      if (file.lint) reports.push([file.absolute, read]);
      return;
    }
    const report = lintText(read, { path: file.display, pgVersion: job.pgVersion, rules: file.lint ? rules : [], knownRules: RULE_IDS, knowledge });
    if (!file.lint) return;
    if (report.violations.some((v) => v.rule === ENGINE_RULE_IDS.syntax) && extname(file.absolute).toLowerCase() !== '.sql') {
      for (const v of report.violations) v.help = `${v.help} Is ${basename(file.absolute)} an SQL file? Only .sql files are migrations.`;
    }
    sources.push([file.display, read]);
    reports.push([file.absolute, report]);
  });
  return { reports, sources };
}
