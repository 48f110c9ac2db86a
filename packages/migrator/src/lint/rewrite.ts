import { scanSync } from 'libpg-query';
import { SourceText } from '../sql/source-text.js';

/**
 * Safe alternatives rebuilt from the user's own statement, edited at the token level so their
 * quoting, casing and formatting survive: `CREATE INDEX "i" ON "t"` becomes
 * `CREATE INDEX CONCURRENTLY "i" ON "t"`, not a re-printed statement.
 */
export interface Token {
  start: number;
  end: number;
  text: string;
  upper: string;
  keyword: boolean;
}

/** The statement's tokens without comments, with string offsets and upper-cased text. */
export function tokens(sql: string): Token[] {
  const source = new SourceText(sql);
  return scanSync(sql)
    .tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')
    .map((t) => {
      const start = source.charFromByte(t.start);
      const end = source.charFromByte(t.end);
      return { start, end, text: sql.slice(start, end), upper: sql.slice(start, end).toUpperCase(), keyword: t.keywordKind !== 0 };
    });
}

/**
 * Inserts `words` after the first run of keyword tokens equal to `after` (e.g. `['INDEX']`), or
 * returns undefined when the statement has no such keywords.
 */
export function insertAfter(sql: string, after: readonly string[], words: string): string | undefined {
  const list = tokens(sql);
  for (let i = 0; i + after.length <= list.length; i++) {
    if (after.every((word, j) => list[i + j]!.keyword && list[i + j]!.upper === word)) {
      const at = list[i + after.length - 1]!.end;
      return `${sql.slice(0, at)} ${words}${sql.slice(at)}`;
    }
  }
  return undefined;
}

/** Removes the first keyword token sequence `words` (with the blank before it). */
export function removeWords(sql: string, words: readonly string[]): string | undefined {
  const list = tokens(sql);
  for (let i = 0; i + words.length <= list.length; i++) {
    if (words.every((word, j) => list[i + j]!.keyword && list[i + j]!.upper === word)) {
      const from = i > 0 ? list[i - 1]!.end : list[i]!.start;
      return `${sql.slice(0, from)}${sql.slice(list[i + words.length - 1]!.end)}`;
    }
  }
  return undefined;
}

/** The statement with a terminating semicolon, ready to paste. */
export function statementSql(sql: string): string {
  return /;\s*$/.test(sql) ? sql.trim() : `${sql.trim()};`;
}

/** A SQL identifier, quoted when PostgreSQL would fold or reject it bare. */
export function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` key (as relationKey gives it) -> SQL, leaving out `public.`. */
export function tableSql(key: string | undefined): string {
  if (!key) return '?';
  const [schema, ...rest] = key.split('.');
  const name = rest.join('.');
  return schema === 'public' ? ident(name) : `${ident(schema!)}.${ident(name)}`;
}

/** Words a bare identifier may not be (enough for names migrations use: user, order, group...). */
const RESERVED = new Set([
  'all', 'analyse', 'analyze', 'and', 'any', 'array', 'as', 'asc', 'asymmetric', 'both', 'case', 'cast', 'check', 'collate',
  'column', 'constraint', 'create', 'current_catalog', 'current_date', 'current_role', 'current_time', 'current_timestamp',
  'current_user', 'default', 'deferrable', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'false', 'fetch', 'for',
  'foreign', 'from', 'grant', 'group', 'having', 'in', 'initially', 'intersect', 'into', 'lateral', 'leading', 'limit',
  'localtime', 'localtimestamp', 'not', 'null', 'offset', 'on', 'only', 'or', 'order', 'placing', 'primary', 'references',
  'returning', 'select', 'session_user', 'some', 'symmetric', 'system_user', 'table', 'then', 'to', 'trailing', 'true',
  'union', 'unique', 'user', 'using', 'variadic', 'when', 'where', 'window', 'with',
]);
