import { describeLock } from '../locks.js';
import type { Finding, LintRule } from '../types.js';
import { addedConstraint, alterCommands, bareName, constraintName, notValidSteps, tableOf } from './constraints-helpers.js';

/**
 * ADD CONSTRAINT ... CHECK reads every row to validate it while holding ACCESS EXCLUSIVE: every
 * read and write of the table waits for the whole scan. With NOT VALID the constraint is added
 * at once (new writes are checked, existing rows are not), and VALIDATE CONSTRAINT checks the
 * existing rows later under SHARE UPDATE EXCLUSIVE, which lets reads and writes continue.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export const addingCheckConstraint = {
  id: 'adding-check-constraint',
  severity: 'error',
  title: 'Adding a CHECK constraint without NOT VALID',
  check({ statement, isNewTable }) {
    const table = tableOf(statement);
    if (isNewTable(table.key)) return undefined;
    const findings: Finding[] = [];
    for (const cmd of alterCommands(statement)) {
      const constraint = addedConstraint(cmd);
      // NOT VALID and PostgreSQL 18's NOT ENFORCED both set skip_validation: no scan.
      if (constraint?.contype !== 'CONSTR_CHECK' || constraint.skip_validation === true) continue;
      const { name, named } = constraintName(constraint, bareName(statement.body.relation));
      findings.push({
        message: `Adding ${named ? `CHECK constraint ${name}` : 'a CHECK constraint'} reads every row of ${table.shown} to validate it, and every read and write of the table waits until it is done: minutes on a big table.`,
        lock: `${describeLock('ACCESS EXCLUSIVE', table.shown)}, held while every row is checked`,
        help: ['Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:', ...notValidSteps(statement, constraint)].join('\n'),
      });
    }
    return findings;
  },
} satisfies LintRule;
