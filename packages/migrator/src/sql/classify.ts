import { qualified, relationKey, stringConstants, unwrapStatement, walk, type Node, type UnwrappedStatement } from './ast.js';
import { statementPhase } from './statement-phase.js';
import { nonTransactionalReason } from './transaction.js';
import type { RawStatement, SqlStatement } from './types.js';

/**
 * Classifies the parsed statements of one migration file: whether each may run inside a
 * transaction, its expand/contract phase, and the index a concurrent build creates. Takes the
 * whole file because some answers depend on the other statements (an enum value used later, a
 * table created earlier).
 */
export function classify(statements: readonly RawStatement[]): SqlStatement[] {
  const usage = new LaterUsage(statements);
  const createdTables = new Set<string>();
  // A file of 400,000 INSERTs into one table has one phase reason, not 400,000 copies of it.
  const reasons = new Map<string, string>();
  const intern = (text: string) => {
    const known = reasons.get(text);
    if (known !== undefined) return known;
    if (reasons.size < 10_000) reasons.set(text, text);
    return text;
  };
  return statements.map((raw, index) => {
    const parts = unwrapStatement(raw.node);
    const reason = nonTransactionalReason(parts) ?? addValueReason(parts, index, usage);
    const verdict = statementPhase(parts, { createdTables });
    const created = createdTable(parts);
    if (created) createdTables.add(created);
    const statement: SqlStatement = {
      index,
      sql: raw.sql,
      line: raw.line,
      column: raw.column,
      offset: raw.offset,
      kind: raw.kind,
      transactional: reason === undefined,
      nonTransactionalReason: reason,
      phase: verdict.phase,
      phaseReason: intern(verdict.reason),
    };
    const concurrentIndex = concurrentIndexOf(parts);
    if (concurrentIndex) statement.concurrentIndex = concurrentIndex;
    if (parts.kind === 'UpdateStmt' || parts.kind === 'DeleteStmt' || parts.kind === 'MergeStmt') statement.changesRowsOf = qualified(parts.body.relation);
    return statement;
  });
}

/**
 * PostgreSQL 12+ runs ALTER TYPE ... ADD VALUE inside a transaction, but the new value cannot be
 * used until that transaction commits ("unsafe use of new enum value"), so when a later statement
 * of the same file uses it, the ADD VALUE must commit on its own first.
 * https://www.postgresql.org/docs/current/sql-altertype.html (Notes)
 */
function addValueReason({ kind, body }: UnwrappedStatement, index: number, usage: LaterUsage): string | undefined {
  if (kind !== 'AlterEnumStmt' || body.oldVal || typeof body.newVal !== 'string') return undefined;
  const user = usage.firstUseAfter(index, body.newVal);
  if (user === undefined) return undefined;
  return `enum value '${body.newVal}' is used by a later statement (line ${user.line}), which fails unless this ALTER TYPE ... ADD VALUE has committed first`;
}

/**
 * Where later statements use a string value: as a `'...'` constant anywhere in their parse tree,
 * or quoted inside code the parser keeps as a string (a DO block, a function body), which
 * PostgreSQL checks or runs right away. Conservative: any type's constant with that text counts.
 */
class LaterUsage {
  private readonly constants: (Set<string> | undefined)[] = [];
  private readonly code: (string[] | undefined)[] = [];

  constructor(private readonly statements: readonly RawStatement[]) {}

  firstUseAfter(index: number, value: string): RawStatement | undefined {
    const quoted = `'${value.replace(/'/g, "''")}'`;
    for (let j = index + 1; j < this.statements.length; j++) {
      const statement = this.statements[j]!;
      this.constants[j] ??= stringConstants(statement.node);
      if (this.constants[j]!.has(value)) return statement;
      this.code[j] ??= embeddedCode(statement.node);
      if (this.code[j]!.some((text) => text.includes(quoted))) return statement;
    }
    return undefined;
  }
}

/** Bodies of DO blocks and functions: the `as` option, which the parser keeps as plain strings. */
export function embeddedCode(node: Node): string[] {
  const out: string[] = [];
  walk(node, (obj) => {
    const def = obj.DefElem;
    if (def?.defname !== 'as') return;
    walk(def.arg, (inner) => {
      const text = inner.String?.sval;
      if (typeof text === 'string') out.push(text);
    });
  });
  return out;
}

/** The relationKey() of the table a statement creates, if it creates one. */
export function createdTable(statement: UnwrappedStatement): string | undefined {
  if (statement.kind === 'CreateStmt') return relationKey(statement.body.relation);
  // CREATE TABLE AS and CREATE MATERIALIZED VIEW: both start with only the rows the query returns, and no one uses them yet.
  if (statement.kind === 'CreateTableAsStmt' && (statement.body.objtype === 'OBJECT_TABLE' || statement.body.objtype === 'OBJECT_MATVIEW')) {
    return relationKey(statement.body.into?.rel);
  }
  return undefined;
}

/**
 * The index a concurrent build creates. When the build fails (or the run is killed), PostgreSQL
 * leaves the index behind marked INVALID: it slows every write and serves no read, so the runner
 * looks it up by this name to drop and rebuild it.
 * https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
 */
function concurrentIndexOf(statement: UnwrappedStatement): SqlStatement['concurrentIndex'] {
  if (statement.kind === 'IndexStmt' && statement.body.concurrent) {
    // An index always lives in its table's schema.
    const rel = statement.body.relation;
    return { schema: rel?.schemaname, name: statement.body.idxname, table: rel?.relname };
  }
  if (statement.kind === 'ReindexStmt' && statement.body.kind === 'REINDEX_OBJECT_INDEX' && nonTransactionalReason(statement)) {
    // REINDEX INDEX names the index itself in `relation`; its table is not in the statement.
    const rel = statement.body.relation;
    return { schema: rel?.schemaname, name: rel?.relname, table: undefined };
  }
  return undefined;
}
