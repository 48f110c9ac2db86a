import type { Queryable } from '../db/metadata.js';
import { quoteIdent } from '../sql/quote.js';
import { readTable, type TableInfo } from './catalog.js';
import { checkConstraint, constraintName } from './add-constraint.js';
import { LOCKS, sqlStep } from './steps.js';
import type { Operation, OperationPlan } from './types.js';

export interface AddCheckInput {
  table: string;
  /** The condition: `amount >= 0`. */
  check: string;
  name?: string | undefined;
}

export interface AddCheckResolved {
  tableSql: string;
  display: string;
  name: string;
  check: string;
}

/**
 * The plan's input from facts, without a database: CHECK (`check`) named `name`. The linter's
 * help for ADD CONSTRAINT ... CHECK is this plan, printed.
 */
export function namedCheck(table: Pick<TableInfo, 'sql' | 'display'>, name: string, check: string): AddCheckResolved {
  return { tableSql: table.sql, display: table.display, name, check };
}

/** A CHECK constraint added NOT VALID (instant), then validated in a later transaction without blocking writes. */
export const addCheck: Operation<AddCheckInput, AddCheckResolved> = {
  kind: 'add-check',
  summary: 'add a CHECK constraint NOT VALID, then validate it without blocking writes',
  async resolve(db: Queryable, input: AddCheckInput): Promise<AddCheckResolved> {
    const table = await readTable(db, input.table);
    const name = await constraintName(db, table, input.name, '', 'check');
    await checkConstraint(db, table, `CHECK (${input.check})`, `CHECK (${input.check})`);
    return namedCheck(table, name, input.check);
  },
  plan(r: AddCheckResolved): OperationPlan {
    const name = quoteIdent(r.name);
    return {
      operation: 'add-check',
      summary: `add check ${r.name} on ${r.display}`,
      table: r.display,
      steps: [
        sqlStep('add check NOT VALID', 'expand', `ALTER TABLE ${r.tableSql} ADD CONSTRAINT ${name} CHECK (${r.check}) NOT VALID;`, `${LOCKS.instant}; from then on every write is checked`),
        sqlStep('validate check', 'contract', `ALTER TABLE ${r.tableSql} VALIDATE CONSTRAINT ${name};`, LOCKS.validate, { afterCommit: true }),
      ],
      rollback: [`ALTER TABLE ${r.tableSql} DROP CONSTRAINT IF EXISTS ${name};`],
      deploy: 'deploy the version of the application whose writes satisfy the check before the contract validates it',
    };
  },
};
