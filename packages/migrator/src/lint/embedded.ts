import { parsePlPgSQLSync } from 'libpg-query';
import { bodyOf, list, stringValue, walkObjects } from '../sql/ast.js';
import { parseStatements } from '../sql/parse.js';
import { parseEntries } from '../sql/spans.js';
import type { RawStatement } from '../sql/types.js';

/**
 * The objects of libpg-query's PL/pgSQL tree that hold SQL, as far as this file reads them. The
 * PL/pgSQL tree has no published types (`@pgsql/types` covers the SQL tree only, and
 * `parsePlPgSQLSync` is declared to return the SQL tree's ParseResult), so this view of it is ours:
 * `{ "PLpgSQL_stmt_execsql": { "sqlstmt": { "PLpgSQL_expr": { "query": "..." } } } }`.
 */
interface PlpgsqlView {
  readonly PLpgSQL_stmt_execsql?: { readonly sqlstmt?: PlpgsqlExpression };
  readonly PLpgSQL_stmt_dynexecute?: { readonly query?: PlpgsqlExpression };
}

interface PlpgsqlExpression {
  readonly PLpgSQL_expr?: { readonly query?: string };
}

/**
 * SQL that runs from inside a `DO $$ ... $$` block: its plain statements, and `EXECUTE '...'`
 * whose argument is a string literal. drizzle-kit wraps foreign keys and enum creation in
 * `DO $$ BEGIN ... EXCEPTION WHEN duplicate_object THEN null; END $$`, so a linter that skips DO
 * blocks misses them. Dynamic SQL built at run time (`EXECUTE format(...)`) cannot be known and
 * is skipped. Positions point into the file; a body that does not parse as PL/pgSQL yields nothing
 * (PostgreSQL itself reports that when the block runs).
 */
export function embeddedStatements(parent: RawStatement): RawStatement[] {
  if (parent.kind !== 'DoStmt') return [];
  const body = bodyOf(parent.node, 'DoStmt');
  let code: string | undefined;
  let language = 'plpgsql';
  for (const arg of list(body?.args)) {
    const def = bodyOf(arg, 'DefElem');
    const value = stringValue(def?.arg);
    if (def?.defname === 'as' && typeof value === 'string') code = value;
    if (def?.defname === 'language' && typeof value === 'string') language = value.toLowerCase();
  }
  if (code === undefined || language !== 'plpgsql') return [];
  let tree: unknown;
  try {
    tree = parsePlPgSQLSync(`CREATE FUNCTION sdk_lint_do() RETURNS void LANGUAGE plpgsql AS $sdk_lint$${code}$sdk_lint$`);
  } catch {
    return [];
  }
  const out: RawStatement[] = [];
  let cursor = 0; // search the parent's text in order, so repeated statements map to successive places
  const place = (text: string): { offset: number; line: number; column: number } => {
    const at = parent.sql.indexOf(text, cursor);
    if (at < 0) return { offset: parent.offset, line: parent.line, column: parent.column };
    cursor = at + text.length;
    const before = parent.sql.slice(0, at);
    const newlines = before.split('\n').length - 1;
    const column = newlines === 0 ? parent.column + at : at - before.lastIndexOf('\n');
    return { offset: parent.offset + at, line: parent.line + newlines, column };
  };
  walkObjects(tree, (obj) => {
    const { PLpgSQL_stmt_execsql: exec, PLpgSQL_stmt_dynexecute: dyn } = obj as PlpgsqlView;
    if (exec) {
      const query = exec.sqlstmt?.PLpgSQL_expr?.query;
      if (typeof query === 'string') out.push(...reparse(query, place(query)));
    } else if (dyn) {
      const query = dyn.query?.PLpgSQL_expr?.query;
      const literal = typeof query === 'string' ? stringLiteral(query) : undefined;
      if (literal !== undefined && typeof query === 'string') out.push(...reparse(literal, place(query)));
    }
  });
  return out;
}

/** The value of an expression that is one string literal (`'...'`, `E'...'`, `$q$...$q$`), else undefined. */
function stringLiteral(expression: string): string | undefined {
  try {
    const select = bodyOf(parseEntries(`SELECT ${expression}`)[0]?.stmt, 'SelectStmt');
    const target = bodyOf(list(select?.targetList)[0], 'ResTarget');
    const value = bodyOf(target?.val, 'A_Const')?.sval?.sval;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function reparse(sql: string, at: { offset: number; line: number; column: number }): RawStatement[] {
  try {
    return parseStatements(sql).map((s) => ({ ...s, offset: at.offset, line: at.line, column: at.column }));
  } catch {
    return [];
  }
}
