import { scanSync } from 'libpg-query';
import { plainTokens } from '../sql/plain-tokens.js';
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

/** The last statement tokenized: the rules run one after the other on the same statement, so they share one scan. */
let last: { sql: string; tokens: readonly Token[] } | undefined;

/**
 * The statement's tokens without comments, with string offsets and upper-cased text. Every rule
 * helper tokenizes through here; the result is shared (cached for the last `sql`), so callers
 * must not change it.
 */
export function tokens(sql: string): readonly Token[] {
  if (last?.sql !== sql) last = { sql, tokens: scan(sql) };
  return last.tokens;
}

function scan(sql: string): Token[] {
  // Plain SQL without a call into the parser's WebAssembly; the rest through PostgreSQL's scanner.
  const plain = plainTokens(sql);
  if (plain) {
    return plain.map(({ start, end, keyword }) => {
      const text = sql.slice(start, end);
      return { start, end, text, upper: text.toUpperCase(), keyword };
    });
  }
  const source = new SourceText(sql);
  return scanSync(sql)
    .tokens.filter((t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT')
    .map((t) => {
      const start = source.charFromByte(t.start);
      const end = source.charFromByte(t.end);
      const text = sql.slice(start, end);
      return { start, end, text, upper: text.toUpperCase(), keyword: t.keywordKind !== 0 };
    });
}

/**
 * Inserts `words` after the first run of keyword tokens equal to `after` (e.g. `['INDEX']`), or
 * returns undefined when the statement has no such keywords.
 */
export function insertAfter(sql: string, after: readonly string[], words: string): string | undefined {
  // Most statements start with the words looked for (`CREATE [UNIQUE] INDEX`): no scan needed.
  const leading = leadingKeywordsEnd(sql, after);
  if (leading !== undefined) return `${sql.slice(0, leading)} ${words}${sql.slice(leading)}`;
  const list = tokens(sql);
  for (let i = 0; i + after.length <= list.length; i++) {
    if (after.every((word, j) => list[i + j]!.keyword && list[i + j]!.upper === word)) {
      const at = list[i + after.length - 1]!.end;
      return `${sql.slice(0, at)} ${words}${sql.slice(at)}`;
    }
  }
  return undefined;
}

/**
 * Where the first run of `after` ends when it is among the plain words that start the statement
 * (letters and underscores separated by blanks, before any other character): those are the
 * statement's first tokens, and a bare word equal to a keyword is that keyword, so this finds what
 * the token search would. Undefined when the run is not there; the caller then scans.
 */
function leadingKeywordsEnd(sql: string, after: readonly string[]): number | undefined {
  const words: { upper: string; end: number }[] = [];
  const word = /\s*([A-Za-z_]+)(?=\s|$)/y;
  let match: RegExpExecArray | null;
  while ((match = word.exec(sql)) !== null) {
    words.push({ upper: match[1]!.toUpperCase(), end: word.lastIndex });
    for (let i = 0; i + after.length <= words.length; i++) {
      if (after.every((w, j) => words[i + j]!.upper === w)) return words[i + after.length - 1]!.end;
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

/**
 * The statement's text after the relation named right after `keyword` (`ON` of CREATE INDEX,
 * `TABLE` of ALTER TABLE), skipping `IF EXISTS` and `ONLY`: what to keep when the same statement
 * is written for another table (a partition). Undefined when the statement has no such name.
 */
export function afterRelationName(sql: string, keyword: string): string | undefined {
  const list = tokens(sql);
  let i = list.findIndex((t) => t.keyword && t.upper === keyword);
  if (i < 0) return undefined;
  i++;
  if (list[i]?.upper === 'IF' && list[i + 1]?.upper === 'EXISTS') i += 2;
  if (list[i]?.upper === 'ONLY') i++;
  if (list[i + 1]?.text === '.') i += 2; // schema.name
  const name = list[i];
  return name ? sql.slice(name.end) : undefined;
}
