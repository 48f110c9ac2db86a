import type { Queryable } from '../db/metadata.js';
import { MigratorError } from '../errors.js';
import { readTable } from './catalog.js';
import { LOCKS, sqlStep } from './steps.js';
import type { Operation, OperationPlan } from './types.js';

export interface DropTableInput {
  table: string;
}

export interface DropTableResolved {
  tableSql: string;
  display: string;
}

/** Drops a table once no deployed version uses it: nothing before the deploy, then the drop. */
export const dropTable: Operation<DropTableInput, DropTableResolved> = {
  kind: 'drop-table',
  summary: 'drop a table after the application stopped using it (contract only)',
  async resolve(db: Queryable, input: DropTableInput): Promise<DropTableResolved> {
    const table = await readTable(db, input.table);
    const { rows } = await db.query<{ what: string }>(
      `SELECT 'foreign key ' || c.conname || ' of ' || c.conrelid::regclass::text AS what FROM pg_catalog.pg_constraint c WHERE c.confrelid = $1 AND c.conrelid <> $1 AND c.contype = 'f'
       UNION ALL
       SELECT DISTINCT 'view ' || v.oid::regclass::text FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
        WHERE d.refobjid = $1 AND d.classid = 'pg_catalog.pg_rewrite'::regclass AND v.oid <> $1
       ORDER BY 1`,
      [table.oid],
    );
    if (rows.length > 0) {
      throw new MigratorError('E_OPERATION', `${table.display} is used by ${rows.map((r) => r.what).join(', ')}: dropping it would fail`, {
        hint: 'drop those first (drop the foreign key or the view in a migration of their own), then drop the table',
      });
    }
    return { tableSql: table.sql, display: table.display };
  },
  plan(r: DropTableResolved): OperationPlan {
    return {
      operation: 'drop-table',
      summary: `drop ${r.display}`,
      table: r.display,
      steps: [sqlStep('drop table', 'contract', `DROP TABLE ${r.tableSql};`, LOCKS.instant)],
      rollback: [],
      deploy: `deploy the version of the application that no longer uses ${r.display} (remove it from the Drizzle schema)`,
    };
  },
};
