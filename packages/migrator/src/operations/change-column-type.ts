import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { assertNoColumn, identifier, type ColumnInfo, type TableInfo } from './catalog.js';
import { checkExpression } from './check-sql.js';
import { columnRef, rowExpression } from './column-ref.js';
import { checkCast, syncableColumn, syncPlan, type SyncedColumns } from './sync-trigger.js';
import type { Operation, OperationPlan } from './types.js';

export interface ChangeColumnTypeInput {
  table: string;
  column: string;
  type: string;
  /** How to compute the new value from the row (`amount::bigint`); default: a cast of the column. */
  using?: string | undefined;
}

/**
 * The plan's input from facts, without a database: the new column is `<column>_sdk_new`, filled
 * with `using` (an expression of the row's columns) or a cast; `castsBack` says whether the new
 * type casts back to the old one (resolve() asks PostgreSQL; the linter assumes it when it knows
 * the old type). The linter's help for ALTER COLUMN ... TYPE is this plan, printed.
 */
export function retypedColumn(table: TableInfo, old: ColumnInfo, type: string, using: string | undefined, castsBack: boolean): SyncedColumns {
  const scratch = identifier(`${old.name}_sdk_new`);
  return {
    table,
    old,
    column: scratch,
    type,
    // Cast to the new type, as the column stores it: the trigger compares what the backfill wrote
    // with it, and a USING of another type (`amount * 100` for bigint) would look different from
    // the stored value and send a lossy cast back into the old column.
    forward: (row) => `${using ? rowExpression(row, using) : columnRef(row, old.name)}::${type}`,
    backward: castsBack ? (row) => `${columnRef(row, scratch)}::${old.type}` : undefined,
    defaultCast: type,
  };
}

/**
 * Changes a column's type without the table rewrite under ACCESS EXCLUSIVE that ALTER COLUMN
 * TYPE does: a new column of the new type kept equal by a trigger, existing rows cast into it in
 * batches, then the old column dropped and the new one given its name in one short transaction.
 */
export const changeColumnType: Operation<ChangeColumnTypeInput, SyncedColumns> = {
  kind: 'change-column-type',
  summary: 'change a column\'s type without rewriting the table under lock (new column + trigger + copy with cast + swap)',
  async resolve(db: Queryable, input: ChangeColumnTypeInput): Promise<SyncedColumns> {
    const { table, old } = await syncableColumn(db, input.table, input.column, 'change-column-type');
    await checkExpression(db, `SELECT NULL::${input.type}`, `${input.type} is not a type this database knows`, 'give an SQL type, e.g. bigint, numeric(12,2), text');
    const scratch = identifier(`${old.name}_sdk_new`);
    assertNoColumn(table, scratch, 'the column the new type is built in');
    const forwardSql = input.using ?? `${quoteIdent(old.name)}::${input.type}`;
    if (!(await checkCast(db, table, forwardSql, input.type, ''))) {
      throw new MigratorError('E_OPERATION', `${table.display}.${old.name} (${old.type}) cannot be turned into ${input.type}${input.using ? ` with ${input.using}` : ' by a cast'}`, {
        hint: 'give the conversion with --using, an SQL expression of the row\'s columns, e.g. --using "round(amount * 100)::bigint"',
      });
    }
    const back = await checkCast(db, table, `NULL::${input.type}`, old.type, '');
    return retypedColumn(table, old, input.type, input.using, back);
  },
  plan(s: SyncedColumns): OperationPlan {
    return syncPlan(
      'change-column-type',
      `change ${s.table.display}.${s.old.name} from ${s.old.type} to ${s.type}`,
      s,
      true,
      `nothing has to be deployed in between: both versions keep using ${s.old.name}, which has the new type once the contract ran (deploy code that expects the new type after it)`,
    );
  },
};
