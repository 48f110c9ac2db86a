import { createHash, type Hash } from 'node:crypto';
import type { RawStmt } from './ast.js';
import { parseEntries } from './spans.js';
import { parseLargeValuesList, valuesSelect } from './values-list.js';
import { DEFAULT_LARGE_STATEMENT_CHARS, DEFAULT_PARSE_WINDOW_CHARS } from './windows.js';

/** Keys of the parse tree that say where a node is written, not what it is. */
const POSITION_KEYS = new Set(['location', 'stmt_location', 'stmt_len']);
/** Statements parsed together, to keep each parse (and the WASM heap) small on a huge file. */
const BATCH = 200;

const withoutPositions = (key: string, value: unknown): unknown => (POSITION_KEYS.has(key) ? undefined : value);

/**
 * sha256 of what a migration's statements mean, as PostgreSQL's parser reads them: their parse
 * trees without positions. Comments, whitespace, the case of keywords and unquoted names, and
 * drizzle-kit's `--> statement-breakpoint` markers do not change it; any change to what runs
 * does. Call `loadParser()` first.
 *
 * A large `INSERT ... VALUES` statement (a data migration) is hashed row batch by row batch, to
 * the same hash: the tree of a 50 MB statement does not fit in libpg-query's WASM heap.
 */
export function treeHash(statements: readonly { sql: string }[], options: { largeStatementChars?: number } = {}): string {
  const large = options.largeStatementChars ?? DEFAULT_LARGE_STATEMENT_CHARS;
  const hash = createHash('sha256');
  for (let at = 0; at < statements.length; at += BATCH) {
    const batch = statements.slice(at, at + BATCH).map((s) => s.sql);
    if (batch.every((sql) => sql.length <= large)) {
      hash.update(JSON.stringify(parseTogether(batch), withoutPositions));
    } else {
      // The same JSON as above, an entry at a time: `[` entries joined by `,` `]`.
      hash.update('[');
      let small: string[] = [];
      let first = true;
      const entry = (json: () => void) => {
        if (!first) hash.update(',');
        first = false;
        json();
      };
      const flush = () => {
        for (const e of parseTogether(small)) entry(() => hash.update(JSON.stringify(e, withoutPositions)));
        small = [];
      };
      for (const sql of batch) {
        if (sql.length <= large) {
          small.push(sql);
          continue;
        }
        flush();
        if (!hashLargeValuesList(sql, (json) => entry(() => json(hash)))) {
          for (const e of parseTogether([sql])) entry(() => hash.update(JSON.stringify(e, withoutPositions)));
        }
      }
      flush();
      hash.update(']');
    }
    hash.update('\n');
  }
  return hash.digest('hex');
}

function parseTogether(statements: readonly string[]): RawStmt[] {
  // Each statement's text ends with a token (its comments and semicolon are trimmed), so they
  // join safely with `;`.
  if (statements.length === 0) return [];
  return parseEntries(statements.join(';\n'));
}

/**
 * Hands `write` a function that hashes the JSON of a large `INSERT ... VALUES` statement's
 * entry as JSON.stringify would write it whole: the statement with a placeholder for its rows,
 * cut around the placeholder, and the rows between, a batch at a time. False when the statement
 * is not of that shape.
 */
function hashLargeValuesList(sql: string, write: (json: (hash: Hash) => void) => void): boolean {
  const fail = (error: unknown): never => {
    throw error;
  };
  const options = { batchChars: DEFAULT_PARSE_WINDOW_CHARS, enumValues: new Set<string>(), onError: fail };
  const reduced = parseLargeValuesList(sql, 0, sql.length, options);
  const select = reduced && valuesSelect(reduced.entries);
  if (!reduced || !select) return false;
  const placeholder = `\u0000rows of ${sql.length}\u0000`;
  const rows = select.valuesLists;
  const entry = reduced.entries.find((e) => e.stmt);
  // The statement's JSON with the placeholder written where its rows go, cut around it.
  const withPlaceholder = (key: string, value: unknown): unknown => (value === rows ? placeholder : withoutPositions(key, value));
  const [before, after] = JSON.stringify(entry, withPlaceholder).split(JSON.stringify(placeholder));
  if (before === undefined || after === undefined) return false;
  write((hash) => {
    hash.update(`${before}[`);
    let first = true;
    parseLargeValuesList(sql, 0, sql.length, {
      ...options,
      onRows: (rows) => {
        for (const row of rows) {
          hash.update(first ? JSON.stringify(row, withoutPositions) : `,${JSON.stringify(row, withoutPositions)}`);
          first = false;
        }
      },
    });
    hash.update(`]${after}`);
  });
  return true;
}
