import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';
import { columnOf, readTable, usesOfColumn } from './catalog.js';
import { LOCKS, sqlStep } from './steps.js';
import type { Operation, OperationPlan } from './types.js';

export interface DropColumnInput {
  table: string;
  column: string;
}

export interface DropColumnResolved {
  tableSql: string;
  display: string;
  column: string;
}

/**
 * Drops a column once no deployed version uses it: nothing before the deploy (the application
 * stops reading and writing it), then the drop, a catalog change only.
 */
export const dropColumn: Operation<DropColumnInput, DropColumnResolved> = {
  kind: 'drop-column',
  summary: 'drop a column after the application stopped using it (contract only)',
  async resolve(db: Queryable, input: DropColumnInput): Promise<DropColumnResolved> {
    const table = await readTable(db, input.table);
    columnOf(table, input.column);
    const blocking = (await usesOfColumn(db, table, input.column)).filter((u) => u.kind === 'view' || u.kind === 'referenced by foreign key' || u.kind === 'primary key');
    if (blocking.length > 0) {
      throw new MigratorError('E_OPERATION', `${table.display}.${input.column} is used by ${blocking.map((u) => `${u.kind} ${u.name}`).join(', ')}: dropping it would fail or drop them too`, {
        hint: 'drop or change those first, in a migration of their own',
      });
    }
    return { tableSql: table.sql, display: table.display, column: input.column };
  },
  plan(r: DropColumnResolved): OperationPlan {
    return {
      operation: 'drop-column',
      summary: `drop ${r.display}.${r.column}`,
      table: r.display,
      steps: [sqlStep('drop column', 'contract', `ALTER TABLE ${r.tableSql} DROP COLUMN ${quoteIdent(r.column)};`, `${LOCKS.instant} (indexes on the column go with it)`)],
      rollback: [],
      deploy: `deploy the version of the application that no longer reads or writes ${r.column} (remove it from the Drizzle schema)`,
    };
  },
};
