import type { Queryable } from '../db/metadata.js';
import { assertNoColumn, type ColumnInfo, type TableInfo } from './catalog.js';
import { columnRef } from './column-ref.js';
import { syncableColumn, syncPlan, type SyncedColumns } from './sync-trigger.js';
import type { Operation, OperationPlan } from './types.js';

export interface RenameColumnInput {
  table: string;
  from: string;
  to: string;
}

/**
 * The plan's input from facts, without a database: resolve() passes the table and column it read
 * and checked; the linter passes what the migrations it read say (knownTable, the column's type,
 * NOT NULL and default), and its help is this plan, printed.
 */
export function renamedColumn(table: TableInfo, old: ColumnInfo, to: string): SyncedColumns {
  return {
    table,
    old,
    column: to,
    type: old.type,
    forward: (row) => columnRef(row, old.name),
    backward: (row) => columnRef(row, to),
  };
}

/**
 * Renames a column without breaking the version of the application that still uses the old
 * name: a new column kept equal to the old one by a trigger in both directions while both
 * versions run, the existing rows copied in batches, then (after the deploy) the old column,
 * the trigger and its function dropped.
 */
export const renameColumn: Operation<RenameColumnInput, SyncedColumns> = {
  kind: 'rename-column',
  summary: 'rename a column while the old and the new application version both use it (add + sync trigger + copy + drop)',
  async resolve(db: Queryable, input: RenameColumnInput): Promise<SyncedColumns> {
    const { table, old } = await syncableColumn(db, input.table, input.from, 'rename-column');
    assertNoColumn(table, input.to, 'the new name');
    return renamedColumn(table, old, input.to);
  },
  plan(s: SyncedColumns): OperationPlan {
    return syncPlan(
      'rename-column',
      `rename ${s.table.display}.${s.old.name} to ${s.column}`,
      s,
      false,
      `deploy the version of the application that uses ${s.column} (both versions work while the trigger keeps the two columns equal)`,
    );
  },
};
