import { basename, extname } from 'node:path';
import { ENGINE_RULE_IDS, lintText } from './engine.js';
import { SchemaKnowledge } from './knowledge.js';
import { readMigration } from './read.js';
import { RULE_IDS } from './registry.js';
import type { FileReport, LintRule } from './types.js';

/** One migration of a folder, in run order; `lint: false` ones are only read for history. */
export interface SequenceFile {
  absolute: string;
  display: string;
  lint: boolean;
}

/**
 * Lints the migrations of one folder with one SchemaKnowledge, so each file is judged with what
 * the files before it created, typed and validated. Reports go into `reports` (by absolute path)
 * and the texts of the linted files into `sources` (by display path, for code frames).
 */
export function lintSequence(
  files: readonly SequenceFile[],
  options: { pgVersion: number; rules: readonly LintRule[] },
  reports: Map<string, FileReport>,
  sources: Map<string, string>,
): void {
  const knowledge = new SchemaKnowledge();
  files.forEach((file, i) => {
    knowledge.file = i;
    const read = readMigration(file.absolute, file.display);
    if (typeof read !== 'string') {
      if (file.lint) reports.set(file.absolute, read);
      return;
    }
    const report = lintText(read, { path: file.display, pgVersion: options.pgVersion, rules: file.lint ? options.rules : [], knownRules: RULE_IDS, knowledge });
    if (!file.lint) return;
    if (report.violations.some((v) => v.rule === ENGINE_RULE_IDS.syntax) && extname(file.absolute).toLowerCase() !== '.sql') {
      for (const v of report.violations) v.help = `${v.help} Is ${basename(file.absolute)} an SQL file? Only .sql files are migrations.`;
    }
    sources.set(file.display, read);
    reports.set(file.absolute, report);
  });
}
