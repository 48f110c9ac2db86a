import { parseSync, scanSync } from 'libpg-query';
import { unwrapStatement, type Node, type RawStmt, type StatementKind } from './ast.js';
import { SourceText } from './source-text.js';

/**
 * The statements of one parse of `text` (`stmt`, `stmt_location`, `stmt_len`), typed by
 * libpg-query with the published types of its tree. Every parse of SQL goes through here.
 *
 * @throws libpg-query's SqlError for a syntax error (see syntaxErrorDetails).
 */
export function parseEntries(text: string): RawStmt[] {
  return parseSync(text).stmts ?? [];
}

/** A parsed statement and where its own text is in the parsed text (string offsets). */
export interface StatementSpan {
  /** `{ Kind: body }`, e.g. `{ IndexStmt: { idxname, relation, concurrent, ... } }`. */
  node: Node;
  kind: StatementKind;
  start: number;
  end: number;
}

/**
 * Where each statement of one parse is in the text that was parsed: from its first token to its
 * last, without the blanks, comments and semicolon around it. `source` is a SourceText of `text`.
 */
export function statementSpans(text: string, entries: readonly RawStmt[], source: SourceText): StatementSpan[] {
  const out: StatementSpan[] = [];
  for (const entry of entries) {
    if (!entry.stmt) continue;
    // The first statement's location is omitted (0); a length of 0 means "to the end of the text".
    const startByte = entry.stmt_location ?? 0;
    const endByte = entry.stmt_len ? startByte + entry.stmt_len : Buffer.byteLength(text);
    const start = source.charFromByte(startByte);
    const end = source.charFromByte(endByte);
    const trimmed = trimStatement(text.slice(start, end));
    // The lead is blanks and comments: usually ASCII, where a character is a byte.
    const lead = text.slice(start, start + trimmed.lead);
    STATEMENT_STARTS.set(entry.stmt, startByte + (/^[\x00-\x7f]*$/.test(lead) ? lead.length : Buffer.byteLength(lead)));
    out.push({ node: entry.stmt, kind: unwrapStatement(entry.stmt).kind, start: start + trimmed.lead, end: start + trimmed.lead + trimmed.length });
  }
  return out;
}

/** The UTF-8 byte offset of each statement span's first character in the text parsed (statementSpans). */
const STATEMENT_STARTS = new WeakMap<Node, number>();

/**
 * Where a statement of a `statementSpans` parse starts in the text parsed, in UTF-8 bytes: a parse
 * of the statement's own text gives the same tree with every position (`location`...) this much
 * lower, and left out where it becomes 0 (libpg-query leaves out every field that is 0).
 * Undefined for a node that is not such a statement.
 */
export function statementStart(node: Node): number | undefined {
  return STATEMENT_STARTS.get(node);
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
