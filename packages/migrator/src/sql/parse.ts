import { loadModule, parseSync, scanSync } from 'libpg-query';
import { SqlSyntaxError } from '../errors.js';
import type { Node } from './ast.js';
import { classify } from './classify.js';
import { SourceText } from './source-text.js';
import type { SqlStatement } from './types.js';

let loaded: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WASM) once. The `*Sync` functions of this folder need it loaded. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule().catch((error: unknown) => {
    loaded = undefined; // let a later call try again instead of caching the failure
    throw error;
  });
  return loaded;
}

/** A parsed statement before classification: its parse-tree node and where it sits in the file. */
export interface RawStatement {
  /** `{ Kind: body }`, e.g. `{ IndexStmt: { idxname, relation, concurrent, ... } }`. */
  node: Node;
  kind: string;
  sql: string;
  offset: number;
  line: number;
  column: number;
}

interface ParsedEntry {
  stmt?: Node;
  stmt_location?: number;
  stmt_len?: number;
}

/**
 * Splits SQL into statements with the real PostgreSQL parser. drizzle-kit's
 * `--> statement-breakpoint` marker is an SQL comment, so one parse of the whole file splits on
 * both breakpoints and semicolons, and never on a semicolon inside a string, dollar quote or
 * comment. Call `loadParser()` first.
 *
 * @throws SqlSyntaxError with the file, line and column of the first syntax error.
 */
export function parseStatements(text: string, file?: string): RawStatement[] {
  // libpg-query rejects an empty string; a blank migration (drizzle-kit --custom) has no statements.
  if (text === '') return [];
  let entries: ParsedEntry[];
  try {
    entries = (parseSync(text).stmts ?? []) as ParsedEntry[];
  } catch (error) {
    throw syntaxError(text, file, error);
  }
  const source = new SourceText(text);
  const out: RawStatement[] = [];
  for (const entry of entries) {
    if (!entry.stmt) continue;
    // The first statement's location is omitted (0); a length of 0 means "to the end of the text".
    const startByte = entry.stmt_location ?? 0;
    const endByte = entry.stmt_len ? startByte + entry.stmt_len : Buffer.byteLength(text);
    const start = source.charFromByte(startByte);
    const end = source.charFromByte(endByte);
    const trimmed = trimStatement(text.slice(start, end));
    const offset = start + trimmed.lead;
    out.push({ node: entry.stmt, kind: Object.keys(entry.stmt)[0] ?? 'Unknown', sql: trimmed.sql, offset, ...source.position(offset) });
  }
  return out;
}

function syntaxError(text: string, file: string | undefined, error: unknown): SqlSyntaxError {
  const details = (error as { sqlDetails?: { cursorPosition?: number; message?: string } }).sqlDetails;
  const source = new SourceText(text);
  // libpg-query reports PostgreSQL's 1-based cursor as 0-based; PostgreSQL counts it in characters.
  const at = source.position(source.charFromCodePoint(Math.max(0, details?.cursorPosition ?? 0)));
  const detail = details?.message ?? (error instanceof Error ? error.message : String(error));
  return new SqlSyntaxError(file, at.line, at.column, detail, { cause: error });
}

/**
 * The statement's own text, without surrounding blanks, comments and semicolons; `lead` is how
 * many characters were dropped in front. PostgreSQL 18 starts a statement at its first token and
 * ends it before the semicolon, but a comment before that semicolon, or after the last statement
 * of a file that has none (`SELECT 1 -- done`), is still inside.
 */
function trimStatement(slice: string): { sql: string; lead: number } {
  if (!slice.includes('--') && !slice.includes('/*')) {
    const lead = slice.length - slice.trimStart().length;
    return { sql: slice.slice(lead).replace(/[\s;]+$/, ''), lead };
  }
  // Only the scanner knows whether `--` sits inside a string or a dollar quote. Rare: only
  // statements with `--` or `/*` in their own text get here.
  const tokens = scanSync(slice).tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT' && t.text !== ';');
  const first = tokens[0];
  const last = tokens.at(-1);
  if (!first || !last) return { sql: '', lead: 0 };
  const source = new SourceText(slice);
  const lead = source.charFromByte(first.start);
  return { sql: slice.slice(lead, source.charFromByte(last.end)), lead };
}

/**
 * Parses and classifies every statement of a migration file, after `await loadParser()`.
 *
 * @example
 * await loadParser();
 * const [statement] = analyzeSqlSync('CREATE INDEX CONCURRENTLY "i" ON "t" ("x");');
 * statement.transactional; // false
 */
export function analyzeSqlSync(text: string, options: { file?: string | undefined } = {}): SqlStatement[] {
  return classify(parseStatements(text, options.file));
}

/**
 * Parses and classifies every statement of a migration file: where each statement is, whether
 * it can run inside a transaction, and whether it is an expand or a contract change.
 * An empty or comments-only file has no statements.
 *
 * @throws SqlSyntaxError with the file, line and column of the first syntax error.
 */
export async function analyzeSql(text: string, options: { file?: string | undefined } = {}): Promise<SqlStatement[]> {
  await loadParser();
  return analyzeSqlSync(text, options);
}
