import { scanSync } from 'libpg-query';
import type { Node } from './ast.js';
import { SourceText } from './source-text.js';

/** One entry of libpg-query's `parseSync(text).stmts`. */
export interface ParsedEntry {
  stmt?: Node;
  stmt_location?: number;
  stmt_len?: number;
}

/** A parsed statement and where its own text is in the parsed text (string offsets). */
export interface StatementSpan {
  /** `{ Kind: body }`, e.g. `{ IndexStmt: { idxname, relation, concurrent, ... } }`. */
  node: Node;
  kind: string;
  start: number;
  end: number;
}

/**
 * Where each statement of one parse is in the text that was parsed: from its first token to its
 * last, without the blanks, comments and semicolon around it. `source` is a SourceText of `text`.
 */
export function statementSpans(text: string, entries: readonly ParsedEntry[], source: SourceText): StatementSpan[] {
  const out: StatementSpan[] = [];
  for (const entry of entries) {
    if (!entry.stmt) continue;
    // The first statement's location is omitted (0); a length of 0 means "to the end of the text".
    const startByte = entry.stmt_location ?? 0;
    const endByte = entry.stmt_len ? startByte + entry.stmt_len : Buffer.byteLength(text);
    const start = source.charFromByte(startByte);
    const end = source.charFromByte(endByte);
    const trimmed = trimStatement(text.slice(start, end));
    out.push({ node: entry.stmt, kind: Object.keys(entry.stmt)[0] ?? 'Unknown', start: start + trimmed.lead, end: start + trimmed.lead + trimmed.length });
  }
  return out;
}

/**
 * Where the statement's own text is in `slice`, without surrounding blanks, comments and
 * semicolons: `lead` characters are dropped in front, `length` kept. PostgreSQL 18 starts a
 * statement at its first token and ends it before the semicolon, but a comment before that
 * semicolon, or after the last statement of a file that has none (`SELECT 1 -- done`), is still inside.
 */
function trimStatement(slice: string): { lead: number; length: number } {
  if (!slice.includes('--') && !slice.includes('/*')) {
    const lead = slice.length - slice.trimStart().length;
    return { lead, length: slice.slice(lead).replace(/[\s;]+$/, '').length };
  }
  // Only the scanner knows whether `--` sits inside a string or a dollar quote. Rare: only
  // statements with `--` or `/*` in their own text get here.
  const tokens = scanSync(slice).tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT' && t.text !== ';');
  const first = tokens[0];
  const last = tokens.at(-1);
  if (!first || !last) return { lead: 0, length: 0 };
  const source = new SourceText(slice);
  const lead = source.charFromByte(first.start);
  return { lead, length: source.charFromByte(last.end) - lead };
}

/** What libpg-query says about a syntax error: PostgreSQL's message, and where (0-based, in code points). */
export function syntaxErrorDetails(error: unknown): { detail: string; cursor: number } {
  const details = (error as { sqlDetails?: { cursorPosition?: number; message?: string } }).sqlDetails;
  // libpg-query reports PostgreSQL's 1-based cursor as 0-based; PostgreSQL counts it in characters.
  return {
    detail: details?.message ?? (error instanceof Error ? error.message : String(error)),
    cursor: Math.max(0, details?.cursorPosition ?? 0),
  };
}
