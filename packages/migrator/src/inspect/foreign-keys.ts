import { MigratorError } from '../errors.js';
import { bodyOf, list, relationKey } from '../sql/ast.js';
import { parseStatements } from '../sql/parse.js';

/** A foreign key a statement adds and validates at once (no NOT VALID). */
export interface ValidatedForeignKey {
  /** The referencing table, whose rows are checked. */
  table: string;
  /** The referenced table, where each of those rows is looked up. */
  references: string;
}

/**
 * The foreign keys `ALTER TABLE ... ADD [CONSTRAINT ...] FOREIGN KEY` adds and validates in
 * `sql` (one statement). PostgreSQL validates one (ri_triggers.c RI_Initial_Check) with a single
 * query that reads every row of the referencing table and looks each one up in the referenced
 * table: when the referencing table is empty, the referenced table is not read at all. Call
 * `loadParser()` first; a statement that does not parse has none.
 */
export function validatedForeignKeys(sql: string): ValidatedForeignKey[] {
  let statements;
  try {
    statements = parseStatements(sql);
  } catch (error) {
    if (error instanceof MigratorError) return [];
    throw error;
  }
  const out: ValidatedForeignKey[] = [];
  for (const statement of statements) {
    const body = bodyOf(statement.node, 'AlterTableStmt');
    const table = relationKey(body?.relation);
    if (!body || !table) continue;
    for (const item of list(body.cmds)) {
      const cmd = bodyOf(item, 'AlterTableCmd');
      if (cmd?.subtype !== 'AT_AddConstraint') continue;
      const constraint = bodyOf(cmd.def, 'Constraint');
      const references = relationKey(constraint?.pktable);
      if (constraint?.contype === 'CONSTR_FOREIGN' && constraint.skip_validation !== true && references) out.push({ table, references });
    }
  }
  return out;
}
