import type { Queryable } from '../db/metadata.js';
import { quoteIdent } from '../sql/quote.js';
import { columnOf, identifier, qualifiedName, readTable, relationOrConstraintExists, type TableInfo } from './catalog.js';
import { constraintName } from './add-constraint.js';
import { MigratorError } from '../errors.js';
import { LOCKS, sqlStep } from './steps.js';
import type { Operation, OperationPlan } from './types.js';

export interface AddUniqueInput {
  table: string;
  /** Columns, comma-separated: `email` or `tenant_id, email`. */
  columns: string;
  /** Constraint name; default `<table>_<columns>_key`, as PostgreSQL names it. */
  name?: string | undefined;
}

export interface AddUniqueResolved {
  tableSql: string;
  display: string;
  schema: string;
  name: string;
  index: string;
  columns: string[];
}

/**
 * The plan's input from facts, without a database: UNIQUE (`columns`) named `name`, built from
 * the index `<name>_sdk_idx`. The linter's help for ADD CONSTRAINT ... UNIQUE is this plan, printed.
 */
export function namedUnique(table: Pick<TableInfo, 'sql' | 'display' | 'schema'>, name: string, columns: readonly string[]): AddUniqueResolved {
  return { tableSql: table.sql, display: table.display, schema: table.schema, name, index: identifier(`${name}_sdk_idx`), columns: [...columns] };
}

/**
 * A UNIQUE constraint without the ACCESS EXCLUSIVE index build of ADD CONSTRAINT ... UNIQUE: the
 * unique index is built CONCURRENTLY, then attached as the constraint in an instant.
 */
export const addUnique: Operation<AddUniqueInput, AddUniqueResolved> = {
  kind: 'add-unique',
  summary: 'add a UNIQUE constraint from an index built concurrently (ADD CONSTRAINT ... USING INDEX)',
  async resolve(db: Queryable, input: AddUniqueInput): Promise<AddUniqueResolved> {
    const table = await readTable(db, input.table);
    const columns = input.columns.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);
    for (const c of columns) columnOf(table, c);
    const name = await constraintName(db, table, input.name, columns.join(','), 'key');
    const resolved = namedUnique(table, name, columns);
    const index = resolved.index;
    if (await relationOrConstraintExists(db, table.schema, index)) {
      throw new MigratorError('E_OPERATION', `${table.schema}.${index} exists already (a unique index left by an earlier attempt?)`, {
        hint: `drop it (DROP INDEX CONCURRENTLY ${qualifiedName(table.schema, index)}) or pick another name with \`name\``,
      });
    }
    return resolved;
  },
  plan(r: AddUniqueResolved): OperationPlan {
    const cols = r.columns.map(quoteIdent).join(', ');
    return {
      operation: 'add-unique',
      summary: `add unique constraint ${r.name} on ${r.display} (${r.columns.join(', ')})`,
      table: r.display,
      steps: [
        sqlStep('create unique index concurrently', 'expand', `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(r.index)} ON ${r.tableSql} (${cols});`, `${LOCKS.concurrently}; fails (and is rebuilt by the next run) while duplicates exist`, { transaction: false }),
        sqlStep('attach it as the constraint', 'contract', `ALTER TABLE ${r.tableSql} ADD CONSTRAINT ${quoteIdent(r.name)} UNIQUE USING INDEX ${quoteIdent(r.index)};`, `${LOCKS.instant} (the index is renamed to the constraint's name)`),
      ],
      rollback: [`DROP INDEX CONCURRENTLY IF EXISTS ${qualifiedName(r.schema, r.index)};`],
      deploy: 'nothing has to be deployed in between: the unique index rejects duplicates as soon as it is built',
    };
  },
};
