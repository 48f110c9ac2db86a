import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { columnOf, identifier, qualifiedName, readTable, usesOfColumn, type ColumnInfo, type TableInfo } from './catalog.js';
import { checkExpression } from './check-sql.js';
import { LOCKS, notNullSteps, sqlStep } from './steps.js';
import type { OperationPlan, OperationStep } from './types.js';

/**
 * Two columns kept equal by a trigger while two versions of the application run at once, one
 * writing the old column and one the new (rename-column, change-column-type):
 *
 * - INSERT: the column the writer left NULL is computed from the other; when both are NULL the
 *   old column's default (moved into the trigger for the duration) fills both.
 * - UPDATE: when only one column changed, the other follows it. A write that sets the new column
 *   to exactly what the old one gives (the backfill) leaves the old one alone, so a lossy cast
 *   back never rewrites it.
 *
 * The backfill copies `old -> new` only where new IS NULL, so it never overwrites a value a
 * writer of the new column set.
 */
export interface SyncedColumns {
  table: TableInfo;
  old: ColumnInfo;
  /** Name of the new column. */
  column: string;
  /** Type of the new column. */
  type: string;
  /** The new value, from the row's values: `row` is `NEW` in the trigger, undefined in the backfill (bare column names). */
  forward: (row: string | undefined) => string;
  /** The old value from the new one, or undefined when there is no cast back. */
  backward: ((row: string | undefined) => string) | undefined;
  /** Type to cast the old default to on the new column, when it differs. */
  defaultCast?: string | undefined;
}

/** Refuses a column the pattern cannot carry over yet, naming what is in the way. */
export async function syncableColumn(db: Queryable, tableName: string, column: string, what: string): Promise<{ table: TableInfo; old: ColumnInfo }> {
  const table = await readTable(db, tableName);
  const old = columnOf(table, column);
  if (old.identity || old.generated || /^nextval\(/i.test(old.default ?? '')) {
    throw new MigratorError('E_OPERATION', `${table.display}.${column} is ${old.generated ? 'a generated column' : 'filled by a sequence (identity or serial)'}: ${what} cannot copy it through a trigger`, {
      hint: 'keep the column; for a sequence-filled key, use rewrite-table to build the table in its new shape',
    });
  }
  const uses = await usesOfColumn(db, table, column);
  if (uses.length > 0) {
    throw new MigratorError('E_OPERATION', `${table.display}.${column} is used by ${uses.map((u) => `${u.kind} ${u.name}`).join(', ')}, which ${what} does not carry over to the new column`, {
      hint: 'drop those first (drop-index, or a contract migration), run the operation, then add them on the new column (add-index, add-unique, add-foreign-key); or use rewrite-table',
    });
  }
  return { table, old };
}

export function triggerNames(table: TableInfo, column: string): { fn: string; fnSql: string; trigger: string } {
  const fn = identifier(`sdk_sync_${table.name}_${column}`);
  return { fn, fnSql: qualifiedName(table.schema, fn), trigger: identifier(`sdk_sync_${column}`) };
}

/**
 * Whether two values of one type differ, NULLs included: compared byte for byte as one-column
 * records (the `*<>` operator), so that it works for every type, also one without an equality
 * operator (json: `IS DISTINCT FROM` fails there, and every UPDATE of the table with it), and
 * sees every change a writer made (a case-only change under a case-insensitive collation).
 */
function differs(a: string, b: string): string {
  return `ROW(${a})::record *<> ROW(${b})::record`;
}

/** The expand steps: the new column, the old default moved into the trigger, the trigger. */
export function syncExpand(s: SyncedColumns): OperationStep[] {
  const t = s.table.sql;
  const oldCol = quoteIdent(s.old.name);
  const newCol = quoteIdent(s.column);
  const { fnSql, trigger } = triggerNames(s.table, s.column);
  const fwd = s.forward('NEW');
  const back = s.backward?.('NEW');
  const fill = s.old.default !== null ? `\n    NEW.${oldCol} := ${s.old.default};\n    NEW.${newCol} := ${fwd};` : '';
  const body = `CREATE FUNCTION ${fnSql}() RETURNS trigger LANGUAGE plpgsql AS $sdk$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.${newCol} IS NULL AND NEW.${oldCol} IS NOT NULL THEN
      NEW.${newCol} := ${fwd};${back ? `\n    ELSIF NEW.${oldCol} IS NULL AND NEW.${newCol} IS NOT NULL THEN\n      NEW.${oldCol} := ${back};` : ''}${fill ? `\n    ELSIF NEW.${oldCol} IS NULL AND NEW.${newCol} IS NULL THEN${fill}` : ''}
    END IF;
  ELSIF ${differs(`NEW.${oldCol}`, `OLD.${oldCol}`)} AND NOT ${differs(`NEW.${newCol}`, `OLD.${newCol}`)} THEN
    NEW.${newCol} := ${fwd};${back ? `\n  ELSIF ${differs(`NEW.${newCol}`, `OLD.${newCol}`)} AND NOT ${differs(`NEW.${oldCol}`, `OLD.${oldCol}`)} AND ${differs(`NEW.${newCol}`, fwd)} THEN\n    NEW.${oldCol} := ${back};` : ''}
  END IF;
  RETURN NEW;
END
$sdk$;`;
  return [
    sqlStep('add new column', 'expand', `ALTER TABLE ${t} ADD COLUMN ${newCol} ${s.type};`, LOCKS.instant),
    ...(s.old.default !== null
      ? [sqlStep('move the default into the trigger', 'expand', `ALTER TABLE ${t} ALTER COLUMN ${oldCol} DROP DEFAULT;`, LOCKS.instant)]
      : []),
    sqlStep('create sync function', 'expand', body, 'none'),
    sqlStep('create sync trigger', 'expand', `CREATE TRIGGER ${quoteIdent(trigger)} BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${fnSql}();`, LOCKS.trigger),
  ];
}

/** Statements undoing syncExpand. */
export function syncRollback(s: SyncedColumns): string[] {
  const t = s.table.sql;
  const { fnSql, trigger } = triggerNames(s.table, s.column);
  // The default first: from the moment the trigger is gone, inserts of the old version need it.
  return [
    ...(s.old.default !== null ? [`ALTER TABLE ${t} ALTER COLUMN ${quoteIdent(s.old.name)} SET DEFAULT ${s.old.default};`] : []),
    `DROP TRIGGER IF EXISTS ${quoteIdent(trigger)} ON ${t};`,
    `DROP FUNCTION IF EXISTS ${fnSql}();`,
    `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${quoteIdent(s.column)};`,
  ];
}

/** Copy old -> new where the new column is still NULL. */
export function syncBackfill(s: SyncedColumns): OperationStep {
  const oldCol = quoteIdent(s.old.name);
  const newCol = quoteIdent(s.column);
  return { kind: 'backfill', name: 'copy old into new', phase: 'backfill', table: s.table.sql, set: `${newCol} = ${s.forward(undefined)}`, where: `${newCol} IS NULL AND ${oldCol} IS NOT NULL`, locks: LOCKS.backfill };
}

/** NOT NULL on the new column when the old one had it, then the trigger and the old column go; `rename` renames the new one to the old name. */
export function syncContract(s: SyncedColumns, rename: boolean): OperationStep[] {
  const t = s.table.sql;
  const oldCol = quoteIdent(s.old.name);
  const newCol = quoteIdent(s.column);
  const { fnSql, trigger } = triggerNames(s.table, s.column);
  const notNull = s.old.notNull ? notNullSteps(t, s.table.name, s.column) : [];
  const last: OperationStep[] = [
    sqlStep('drop sync trigger', 'contract', `DROP TRIGGER ${quoteIdent(trigger)} ON ${t};`, LOCKS.trigger, { afterCommit: notNull.length > 0 }),
    sqlStep('drop sync function', 'contract', `DROP FUNCTION ${fnSql}();`, 'none'),
    sqlStep('drop old column', 'contract', `ALTER TABLE ${t} DROP COLUMN ${oldCol};`, LOCKS.instant),
    ...(rename ? [sqlStep('give the new column the old name', 'contract', `ALTER TABLE ${t} RENAME COLUMN ${newCol} TO ${oldCol};`, LOCKS.instant)] : []),
    ...(s.old.default !== null
      ? [sqlStep('set the default', 'contract', `ALTER TABLE ${t} ALTER COLUMN ${rename ? oldCol : newCol} SET DEFAULT ${s.defaultCast ? `(${s.old.default})::${s.defaultCast}` : s.old.default};`, LOCKS.instant)]
      : []),
  ];
  return [...notNull, ...last];
}

export function syncPlan(operation: string, summary: string, s: SyncedColumns, rename: boolean, deploy: string): OperationPlan {
  return {
    operation,
    summary,
    table: s.table.display,
    steps: [...syncExpand(s), syncBackfill(s), ...syncContract(s, rename)],
    rollback: syncRollback(s),
    deploy,
  };
}

/** Checks that a cast expression works against the table without reading a row. */
export async function checkCast(db: Queryable, table: TableInfo, expression: string, type: string, what: string): Promise<boolean> {
  try {
    // As the trigger evaluates it (column-ref.ts rowExpression): on a row aliased sdk_row, so that a
    // column qualified with the table's name is refused here and not by every write after the expand.
    await checkExpression(db, `SELECT (${expression})::${type} FROM (SELECT * FROM ${table.sql}) AS sdk_row LIMIT 0`, what, '');
    return true;
  } catch {
    return false;
  }
}

