import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { assertNoColumn, readTable, type TableInfo } from './catalog.js';
import { checkExpression } from './check-sql.js';
import { LOCKS, notNullSteps, sqlStep } from './steps.js';
import type { BackfillStep, Operation, OperationPlan } from './types.js';

export interface AddRequiredColumnInput {
  /** `auth.users` */
  table: string;
  column: string;
  /** SQL type (`varchar(20)`); taken from the column when it exists already. */
  type?: string | undefined;
  /** Default for new rows (SQL expression), set once the column exists. */
  default?: string | undefined;
  /** Value for the existing rows (SQL expression, may read other columns). Without it the data migration refuses to run. */
  backfill?: string | undefined;
}

export interface AddRequiredColumnResolved {
  tableSql: string;
  tableName: string;
  display: string;
  column: string;
  type: string;
  default: string | null;
  backfill: string | undefined;
  /** The column exists (nullable): only its NULLs are filled and it is made NOT NULL. */
  exists: boolean;
}

/**
 * The plan's input from facts, without a database: resolve() passes what it checked in the
 * catalog; the linter passes what the migrations it read say (its help is this plan, printed).
 */
export function requiredColumn(
  table: Pick<TableInfo, 'sql' | 'name' | 'display'>,
  facts: Pick<AddRequiredColumnResolved, 'column' | 'type' | 'default' | 'backfill' | 'exists'>,
): AddRequiredColumnResolved {
  return { tableSql: table.sql, tableName: table.name, display: table.display, column: facts.column, type: facts.type, default: facts.default, backfill: facts.backfill, exists: facts.exists };
}

/**
 * A NOT NULL column on a table that has rows, in the guide's four steps: add it nullable (with
 * the default for new rows), fill the existing rows in batches, then prove it has no NULL with a
 * CHECK ... NOT VALID that is validated without blocking writes, and make it NOT NULL, which
 * then skips its scan. Also makes an existing nullable column NOT NULL (drizzle-kit's SET NOT NULL).
 */
export const addRequiredColumn: Operation<AddRequiredColumnInput, AddRequiredColumnResolved> = {
  kind: 'add-required-column',
  summary: 'add a NOT NULL column to a table with rows (or make a nullable one NOT NULL) without blocking it',
  async resolve(db: Queryable, input: AddRequiredColumnInput): Promise<AddRequiredColumnResolved> {
    const table = await readTable(db, input.table);
    const existing = table.columns.get(input.column);
    let type = input.type;
    if (existing) {
      if (existing.notNull) {
        throw new MigratorError('E_OPERATION', `${table.display}.${input.column} is NOT NULL already: nothing to do`, { hint: 'check the column name, or drop the operation' });
      }
      type ??= existing.type;
    } else {
      assertNoColumn(table, input.column, 'the new column');
      if (!type) {
        throw new MigratorError('E_OPERATION', `${table.display} has no column ${input.column}, and no type was given to add it with`, {
          hint: 'give its SQL type, e.g. --type "varchar(20)"',
        });
      }
      await checkExpression(db, `SELECT NULL::${type}`, `${type} is not a type this database knows`, 'give an SQL type, e.g. varchar(20), integer, timestamptz');
    }
    if (input.default !== undefined) {
      await checkExpression(db, `SELECT (${input.default})::${type} FROM ${table.sql} LIMIT 0`, `the default ${input.default} does not fit ${type}`, 'give an SQL expression of the column\'s type, quoted for the shell: --default "\'unknown\'"');
    }
    if (input.backfill !== undefined) {
      // The column may not exist yet: the value for existing rows reads the other columns only.
      await checkExpression(db, `SELECT (${input.backfill})::${type} FROM ${table.sql} LIMIT 0`, `the value for existing rows ${input.backfill} does not fit ${type}`, 'give an SQL expression of the column\'s type (it may read other columns of the row), quoted for the shell: --backfill "\'unknown\'"');
    }
    return requiredColumn(table, {
      column: input.column,
      type,
      default: input.default ?? existing?.default ?? null,
      backfill: input.backfill,
      exists: existing !== undefined,
    });
  },
  plan(r: AddRequiredColumnResolved): OperationPlan {
    const col = quoteIdent(r.column);
    const expand = r.exists
      ? []
      : [
          sqlStep('add nullable column', 'expand', `ALTER TABLE ${r.tableSql} ADD COLUMN ${col} ${r.type};`, LOCKS.instant),
          ...(r.default !== null ? [sqlStep('set default for new rows', 'expand', `ALTER TABLE ${r.tableSql} ALTER COLUMN ${col} SET DEFAULT ${r.default};`, LOCKS.instant)] : []),
        ];
    const fill = (name: string): BackfillStep => ({
      kind: 'backfill',
      name,
      phase: 'backfill',
      table: r.tableSql,
      set: `${col} = ${r.backfill ?? 'NULL'}`,
      where: `${col} IS NULL`,
      missing:
        r.backfill === undefined
          ? `no value was given for the existing rows of ${r.display}.${r.column}: edit this file (its \`set\`), or write the operation again with --backfill "<SQL expression>"`
          : undefined,
      locks: LOCKS.backfill,
    });
    // Rows written by the running application between the backfill and the deploy have no value
    // when the column has no default (or existed already, so the old version may write NULL into
    // it): a second pass, once the CHECK rejects new NULLs, fills those.
    const catchUp = r.exists || r.default === null ? [fill('fill rows written since the backfill')] : [];
    return {
      operation: 'add-required-column',
      summary: `${r.exists ? 'make' : 'add'} ${r.display}.${r.column} ${r.exists ? '' : `${r.type} `}NOT NULL`.replace('  ', ' '),
      table: r.display,
      steps: [...expand, fill('fill existing rows'), ...notNullSteps(r.tableSql, r.tableName, r.column, catchUp)],
      rollback: r.exists ? [] : [`ALTER TABLE ${r.tableSql} DROP COLUMN IF EXISTS ${col};`],
      deploy: r.exists
        ? `deploy the version of the application that always writes ${r.column}`
        : `deploy the version of the application that writes ${r.column} (its Drizzle schema has the column${r.default === null ? ', and every insert sets it' : ''})`,
    };
  },
};
