import { createHash } from 'node:crypto';
import { parseSync } from 'libpg-query';

/** Keys of the parse tree that say where a node is written, not what it is. */
const POSITION_KEYS = new Set(['location', 'stmt_location', 'stmt_len']);
/** Statements parsed together, to keep each parse (and the WASM heap) small on a huge file. */
const BATCH = 200;

/**
 * sha256 of what a migration's statements mean, as PostgreSQL's parser reads them: their parse
 * trees without positions. Comments, whitespace, the case of keywords and unquoted names, and
 * drizzle-kit's `--> statement-breakpoint` markers do not change it; any change to what runs
 * does. Call `loadParser()` first.
 */
export function treeHash(statements: readonly { sql: string }[]): string {
  const hash = createHash('sha256');
  for (let at = 0; at < statements.length; at += BATCH) {
    // Each statement's text ends with a token (its comments and semicolon are trimmed), so they
    // join safely with `;`.
    const text = statements
      .slice(at, at + BATCH)
      .map((s) => s.sql)
      .join(';\n');
    const tree = parseSync(text);
    hash.update(JSON.stringify(tree.stmts ?? [], (key, value: unknown) => (POSITION_KEYS.has(key) ? undefined : value)));
    hash.update('\n');
  }
  return hash.digest('hex');
}
