import { loadModule } from 'libpg-query';
import { SqlSyntaxError } from '../errors.js';
import { SourceText } from './source-text.js';
import type { RawStmt } from './ast.js';
import { parseEntries, statementSpans, syntaxErrorDetails } from './spans.js';
import type { RawStatement, SqlStatement } from './types.js';
import { analyzeInWindows, type WindowOptions } from './windows.js';

let loaded: Promise<void> | undefined;

/** Loads the PostgreSQL parser (WASM) once. The `*Sync` functions of this folder need it loaded. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule().catch((error: unknown) => {
    loaded = undefined; // let a later call try again instead of caching the failure
    throw error;
  });
  return loaded;
}

/**
 * Splits SQL into statements with the real PostgreSQL parser, in one parse of the whole text,
 * so each node's `location`s count from the start of the text (the linter's rules rely on it).
 * drizzle-kit's `--> statement-breakpoint` marker is an SQL comment, so the parse splits on both
 * breakpoints and semicolons, and never on a semicolon inside a string, dollar quote or comment.
 * Memory grows with the text (about 50 times it); `analyzeSqlSync` reads a file of any size.
 * Call `loadParser()` first.
 *
 * @throws SqlSyntaxError with the file, line and column of the first syntax error.
 */
export function parseStatements(text: string, file?: string): RawStatement[] {
  // libpg-query rejects an empty string; a blank migration (drizzle-kit --custom) has no statements.
  if (text === '') return [];
  let entries: readonly RawStmt[];
  try {
    entries = parseEntries(text);
  } catch (error) {
    const { detail, cursor } = syntaxErrorDetails(error);
    const source = new SourceText(text);
    const at = source.position(source.charFromCodePoint(cursor));
    throw new SqlSyntaxError(file, at.line, at.column, detail, { cause: error });
  }
  const source = new SourceText(text);
  return statementSpans(text, entries, source).map((span) => ({
    node: span.node,
    kind: span.kind,
    sql: text.slice(span.start, span.end),
    offset: span.start,
    ...source.position(span.start),
  }));
}

/**
 * Parses and classifies every statement of a migration file, after `await loadParser()`. The
 * file is parsed in windows of statements, so its memory stays a small multiple of its size
 * (a 50 MB data migration included); the statements, positions and verdicts are those of one
 * parse of the whole file.
 *
 * @example
 * await loadParser();
 * const [statement] = analyzeSqlSync('CREATE INDEX CONCURRENTLY "i" ON "t" ("x");');
 * statement.transactional; // false
 */
export function analyzeSqlSync(text: string, options: WindowOptions = {}): SqlStatement[] {
  return analyzeInWindows(text, options);
}

/**
 * Parses and classifies every statement of a migration file: where each statement is, whether
 * it can run inside a transaction, and whether it is an expand or a contract change.
 * An empty or comments-only file has no statements.
 *
 * @throws SqlSyntaxError with the file, line and column of the first syntax error.
 */
export async function analyzeSql(text: string, options: WindowOptions = {}): Promise<SqlStatement[]> {
  await loadParser();
  return analyzeSqlSync(text, options);
}
