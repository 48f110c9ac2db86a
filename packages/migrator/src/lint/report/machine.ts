import { pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import type { FileReport, LintReport, Violation } from '../types.js';
import type { RuleInfo } from '../registry.js';

/**
 * `--format json`: one object, every input file listed even when clean.
 * `{ "files": [{ "path", "violations": [{ "rule", "severity", "line", "column", "message", "help" }] }] }`
 * plus, per file, each statement's phase and effects, and totals. Compact (no indentation), like
 * other linters' JSON: a report of thousands of files stays half the size and twice as fast to write.
 * Written file by file (fileJson), so a report from the lint cache is its stored text: the same
 * bytes JSON.stringify of the whole object gives.
 */
export function renderJson(report: LintReport): string {
  const files = report.files.map(fileJson).join(',');
  return `{"pgVersion":${JSON.stringify(report.pgVersion)},"errors":${JSON.stringify(report.errors)},"warnings":${JSON.stringify(report.warnings)},"files":[${files}]}`;
}

/** The JSON text of one file's report as renderJson writes it, on a report the lint cache gave (lint/cache.ts). */
export const RENDERED_JSON = Symbol('renderJson text of this file report');

/** One file's entry of renderJson's `files`. */
export function fileJson(f: FileReport & { [RENDERED_JSON]?: string }): string {
  return (
    f[RENDERED_JSON] ??
    JSON.stringify({
      path: f.path,
      violations: f.violations.map((v) => ({
        rule: v.rule,
        severity: v.severity,
        line: v.line,
        column: v.column,
        endLine: v.endLine,
        endColumn: v.endColumn,
        message: v.message,
        help: v.help,
        lock: v.lock ?? null,
      })),
      statements: f.statements.map((s) => ({
        line: s.line,
        column: s.column,
        kind: s.kind,
        phase: s.phase,
        transactional: s.transactional,
        effects: s.effects.map((e) => ({ relation: e.relation, lock: e.lock, rewrite: e.rewrite, scan: e.scan, newTable: e.created })),
      })),
    })
  );
}

/** GitHub Actions workflow commands: each violation becomes an annotation on the pull request's diff. */
export function renderGithub(report: LintReport): string {
  const lines: string[] = [];
  for (const file of report.files) {
    for (const v of file.violations) {
      const props = `file=${escapeProperty(file.path)},line=${v.line},col=${v.column},endLine=${v.endLine},title=${escapeProperty(`${v.rule} (sdk db lint)`)}`;
      lines.push(`::${v.severity === 'error' ? 'error' : 'warning'} ${props}::${escapeData(annotation(v))}`);
    }
  }
  lines.push(`${report.files.length} file(s) checked: ${report.errors} error(s), ${report.warnings} warning(s).`);
  return lines.join('\n');
}

function annotation(v: Violation): string {
  return [v.message, v.lock ? `Lock: ${v.lock}` : undefined, v.help].filter(Boolean).join('\n');
}

/** https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * SARIF 2.1.0, for GitHub code scanning and other tools that read it.
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
export function renderSarif(report: LintReport, rules: readonly RuleInfo[], options: { version: string; cwd?: string; docsBase?: string }): string {
  const cwd = options.cwd ?? process.cwd();
  const docsBase = options.docsBase ?? 'https://github.com/big0290/sdk/blob/main/docs/rules/';
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'sdk db lint',
            version: options.version,
            informationUri: 'https://github.com/big0290/sdk',
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              helpUri: `${docsBase}${r.id}.md`,
              defaultConfiguration: { level: r.severity === 'error' ? 'error' : 'warning' },
            })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `${pathToFileURL(cwd).href}/` } },
        results: report.files.flatMap((file) =>
          file.violations.map((v) => ({
            ruleId: v.rule,
            level: v.severity === 'error' ? 'error' : 'warning',
            message: { text: [v.message, v.lock ? `Lock: ${v.lock}.` : undefined, v.help].filter(Boolean).join(' ') },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: relative(cwd, file.path).split('\\').join('/'), uriBaseId: 'SRCROOT' },
                  region: { startLine: v.line, startColumn: v.column, endLine: v.endLine, endColumn: Math.max(v.endColumn, 1) },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}
