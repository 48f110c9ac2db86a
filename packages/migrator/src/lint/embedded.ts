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

/** The PL/pgSQL statements that repeat their body. FOREACH over an array is left out: it walks a list of values, bounded like a VALUES list. */
const LOOPS = ['PLpgSQL_stmt_loop', 'PLpgSQL_stmt_while', 'PLpgSQL_stmt_fori', 'PLpgSQL_stmt_fors', 'PLpgSQL_stmt_forc', 'PLpgSQL_stmt_dynfors'] as const;

/**
 * The loop of a DO block a statement runs in (the innermost one): every pass runs in the block's
 * one transaction, unless the loop COMMITs (allowed only outside a transaction block, PostgreSQL 11+).
 */
export interface DoBlockLoop {
  /** The loop's body has a COMMIT (or ROLLBACK): each pass would end the transaction. */
  commits: boolean;
  /** Names the block declares (its variables, loop variables included), lower case: a condition that names one cannot run outside the block. */
  variables: readonly string[];
}

/** A statement from inside a DO block, with the loop it runs in, if any. */
export type EmbeddedStatement = RawStatement & { loop?: DoBlockLoop | undefined };

/**
 * SQL that runs from inside a `DO $$ ... $$` block: its plain statements, and `EXECUTE '...'`
 * whose argument is a string literal. drizzle-kit wraps foreign keys and enum creation in
 * `DO $$ BEGIN ... EXCEPTION WHEN duplicate_object THEN null; END $$`, so a linter that skips DO
 * blocks misses them. Dynamic SQL built at run time (`EXECUTE format(...)`) cannot be known and
 * is skipped. Positions point into the file; a body that does not parse as PL/pgSQL yields nothing
 * (PostgreSQL itself reports that when the block runs).
 */
export function embeddedStatements(parent: RawStatement): EmbeddedStatement[] {
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
  const out: EmbeddedStatement[] = [];
  const variables = declaredNames(tree);
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
  // Depth first, parents first (walkObjects' order), remembering the innermost loop.
  const visit = (value: unknown, loop: DoBlockLoop | undefined): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v, loop);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const { PLpgSQL_stmt_execsql: exec, PLpgSQL_stmt_dynexecute: dyn } = value as PlpgsqlView;
    if (exec) {
      const query = exec.sqlstmt?.PLpgSQL_expr?.query;
      if (typeof query === 'string') out.push(...reparse(query, place(query), loop));
    } else if (dyn) {
      const query = dyn.query?.PLpgSQL_expr?.query;
      const literal = typeof query === 'string' ? stringLiteral(query) : undefined;
      if (literal !== undefined && typeof query === 'string') out.push(...reparse(literal, place(query), loop));
    }
    const record = value as Record<string, unknown>;
    const repeats = LOOPS.find((key) => record[key] !== undefined);
    const inner = repeats ? { commits: endsTransaction(record[repeats]), variables } : loop;
    for (const v of Object.values(record)) visit(v, inner);
  };
  visit(tree, undefined);
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

function reparse(sql: string, at: { offset: number; line: number; column: number }, loop: DoBlockLoop | undefined): EmbeddedStatement[] {
  try {
    return parseStatements(sql).map((s) => ({ ...s, offset: at.offset, line: at.line, column: at.column, ...(loop ? { loop } : {}) }));
  } catch {
    return [];
  }
}

/** Whether a PL/pgSQL subtree has a COMMIT or ROLLBACK. */
function endsTransaction(tree: unknown): boolean {
  let found = false;
  walkObjects(tree, (obj) => {
    if ('PLpgSQL_stmt_commit' in obj || 'PLpgSQL_stmt_rollback' in obj) found = true;
  });
  return found;
}

/** The variables a PL/pgSQL function declares (`found` aside), lower case. */
function declaredNames(tree: unknown): string[] {
  const names = new Set<string>();
  walkObjects(tree, (obj) => {
    for (const kind of ['PLpgSQL_var', 'PLpgSQL_rec', 'PLpgSQL_row'] as const) {
      const name = (obj as Record<string, { refname?: unknown } | undefined>)[kind]?.refname;
      if (typeof name === 'string' && name !== 'found') names.add(name.toLowerCase());
    }
  });
  return [...names];
}
