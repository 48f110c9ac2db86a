import type { FileReport, LintReport, Violation } from '../types.js';

export interface PrettyOptions {
  /** Colours an SGR-able piece of text; identity when colours are off. */
  paint?: (style: 'red' | 'yellow' | 'dim' | 'bold' | 'cyan', text: string) => string;
  /** The file texts, for code frames (keyed by report path). Without it, no frame. */
  sources?: ReadonlyMap<string, string>;
}

const plain = (_style: string, text: string) => text;

/**
 * The terminal rendering: per violation a header (`path:line:column  severity  rule`), the message,
 * a code frame, the lock, and the help; then a summary line.
 */
export function renderPretty(report: LintReport, options: PrettyOptions = {}): string {
  const paint = options.paint ?? plain;
  const out: string[] = [];
  for (const file of report.files) {
    for (const violation of file.violations) out.push(renderViolation(file, violation, options.sources?.get(file.path), paint), '');
  }
  const clean = report.files.filter((f) => f.violations.length === 0).length;
  const summary = `${report.files.length} file(s) checked for PostgreSQL ${report.pgVersion}: ${report.errors} error(s), ${report.warnings} warning(s)${clean === report.files.length ? '' : `, ${clean} clean file(s)`}.`;
  out.push(report.errors > 0 ? paint('red', summary) : report.warnings > 0 ? paint('yellow', summary) : summary);
  return out.join('\n');
}

export function renderViolation(file: FileReport, v: Violation, source: string | undefined, paint: NonNullable<PrettyOptions['paint']> = plain): string {
  const severity = v.severity === 'error' ? paint('red', 'error') : paint('yellow', 'warning');
  const lines = [`${paint('bold', `${file.path}:${v.line}:${v.column}`)}  ${severity}  ${paint('cyan', v.rule)}`, `  ${v.message}`];
  if (source !== undefined) lines.push(...codeFrame(source, v, paint));
  if (v.lock) lines.push(`  ${paint('dim', 'lock:')} ${v.lock}`);
  const help = v.help.split('\n');
  lines.push(`  ${paint('dim', 'help:')} ${help[0]}`, ...help.slice(1).map((l) => `        ${l}`));
  return lines.join('\n');
}

/** Up to three lines of the statement, with a caret under its first character. */
function codeFrame(source: string, v: Violation, paint: NonNullable<PrettyOptions['paint']>): string[] {
  const all = source.split('\n');
  const last = Math.min(v.endLine, v.line + 2, all.length);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = v.line; n <= last; n++) {
    const text = (all[n - 1] ?? '').replace(/\r$/, '');
    out.push(`  ${paint('dim', `${String(n).padStart(width)} |`)} ${text.length > 160 ? `${text.slice(0, 159)}…` : text}`);
    if (n === v.line) out.push(`  ${' '.repeat(width)} ${paint('dim', '|')} ${' '.repeat(Math.max(0, v.column - 1))}${paint(v.severity === 'error' ? 'red' : 'yellow', '^')}`);
  }
  if (v.endLine > last) out.push(`  ${' '.repeat(width)} ${paint('dim', '|')} …`);
  return out;
}
