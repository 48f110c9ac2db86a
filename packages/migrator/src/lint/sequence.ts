import { basename, extname } from 'node:path';
import { ENGINE_RULE_IDS, lintText } from './engine.js';
import { SchemaKnowledge } from './knowledge.js';
import { RULE_IDS } from './registry.js';
import type { FileReport, LintRule } from './types.js';

/** One migration of a folder, in run order; `lint: false` ones are only read for history. */
export interface SequenceFile {
  absolute: string;
  display: string;
  lint: boolean;
  /** The file's text, or the report of why it cannot be read (read.ts). */
  read: string | FileReport;
}

/**
 * Lints the migrations of one folder with one SchemaKnowledge, so each file is judged with what
 * the files before it created, typed and validated. Files before `judgeFrom` are only learned
 * from (their reports are known already: the lint cache had them); the reports of the files to
 * lint from there on go into `reports` (by absolute path).
 */
export function lintSequence(
  files: readonly SequenceFile[],
  options: { pgVersion: number; rules: readonly LintRule[] },
  reports: Map<string, FileReport>,
  judgeFrom = 0,
): void {
  const knowledge = new SchemaKnowledge();
  files.forEach((file, i) => {
    knowledge.file = i;
    const { read } = file;
    const lint = file.lint && i >= judgeFrom;
    if (typeof read !== 'string') {
      if (lint) reports.set(file.absolute, read);
      return;
    }
    const report = lintText(read, { path: file.display, pgVersion: options.pgVersion, rules: lint ? options.rules : [], knownRules: RULE_IDS, knowledge });
    if (!lint) return;
    if (report.violations.some((v) => v.rule === ENGINE_RULE_IDS.syntax) && extname(file.absolute).toLowerCase() !== '.sql') {
      for (const v of report.violations) v.help = `${v.help} Is ${basename(file.absolute)} an SQL file? Only .sql files are migrations.`;
    }
    reports.set(file.absolute, report);
  });
}
