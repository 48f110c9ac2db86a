import { bodyOf, generatedKind, list, type ColumnDef, type Constraint, type UnwrappedStatement } from '../../sql/ast.js';
import type { Finding, LintRule } from '../types.js';

/** A feature and the first PostgreSQL major version that accepts it. */
interface Feature {
  since: number;
  what: string;
  instead: string;
}

const DETACH_CONCURRENTLY: Feature = {
  since: 14,
  what: 'DETACH PARTITION ... CONCURRENTLY',
  instead: 'Detach without CONCURRENTLY (ACCESS EXCLUSIVE on the parent and the partition, held briefly with the runner\'s lock_timeout), or upgrade first.',
};
const NOT_NULL_CONSTRAINT: Feature = {
  since: 18,
  what: 'a named NOT NULL constraint (`ADD CONSTRAINT ... NOT NULL column`)',
  instead: 'Use `ADD CONSTRAINT <name> CHECK (<column> IS NOT NULL) NOT VALID`, validate it in a later migration, then `ALTER COLUMN <column> SET NOT NULL` (instant after the validated CHECK on PostgreSQL 12+).',
};
const VIRTUAL_COLUMN: Feature = {
  since: 18,
  what: 'a virtual generated column (`GENERATED ALWAYS AS (...)` without STORED)',
  instead: 'Write `GENERATED ALWAYS AS (...) STORED` (computed when rows are written; adding one to an existing table rewrites it), or compute the value in a view or in the application.',
};
const NULLS_NOT_DISTINCT: Feature = {
  since: 15,
  what: 'NULLS NOT DISTINCT',
  instead: 'Emulate it with a unique index on `COALESCE(column, <a value that cannot occur>)`, or upgrade first.',
};
const MERGE: Feature = {
  since: 15,
  what: 'MERGE',
  instead: 'Use `INSERT ... ON CONFLICT ... DO UPDATE` (PostgreSQL 9.5+), or an UPDATE followed by an INSERT of the missing rows.',
};

/**
 * Syntax the target's PostgreSQL version does not have yet: the migration would stop there with
 * a syntax error in production even though it ran fine against a newer development database.
 * (REINDEX CONCURRENTLY before 12 and ALTER TYPE ... ADD VALUE in a transaction before 12 are
 * reported by reindexing-non-concurrently and enum-value-in-transaction, with their recipes.)
 * https://www.postgresql.org/docs/release/
 */
export const unsupportedInVersion = {
  id: 'unsupported-in-version',
  severity: 'error',
  hazard: 'database',
  title: 'Syntax the target PostgreSQL version does not support',
  kinds: ['MergeStmt', 'IndexStmt', 'AlterTableStmt', 'CreateStmt'],
  check({ statement, pgVersion }) {
    const found = new Set<Feature>();
    if (statement.kind === 'MergeStmt') found.add(MERGE);
    if (statement.kind === 'IndexStmt' && statement.body.nulls_not_distinct === true) found.add(NULLS_NOT_DISTINCT);
    if (statement.kind === 'AlterTableStmt') {
      for (const item of list(statement.body.cmds)) {
        const cmd = bodyOf(item, 'AlterTableCmd');
        if (cmd?.subtype === 'AT_DetachPartition' && bodyOf(cmd.def, 'PartitionCmd')?.concurrent === true) found.add(DETACH_CONCURRENTLY);
        if (cmd?.subtype === 'AT_AddConstraint' && bodyOf(cmd.def, 'Constraint')?.contype === 'CONSTR_NOTNULL') found.add(NOT_NULL_CONSTRAINT);
      }
    }
    for (const constraint of declaredConstraints(statement)) {
      if (constraint.contype === 'CONSTR_GENERATED' && generatedKind(constraint) === 'v') found.add(VIRTUAL_COLUMN);
      if ((constraint.contype === 'CONSTR_UNIQUE' || constraint.contype === 'CONSTR_PRIMARY') && constraint.nulls_not_distinct === true) found.add(NULLS_NOT_DISTINCT);
    }
    const findings: Finding[] = [];
    for (const feature of found) {
      if (pgVersion >= feature.since) continue;
      findings.push({
        message: `${feature.what[0]!.toUpperCase()}${feature.what.slice(1)} needs PostgreSQL ${feature.since}; on PostgreSQL ${pgVersion} this statement is an error and the migration stops here.`,
        help: `${feature.instead} (The verdict follows --pg-version, else the target database's version.)`,
      });
    }
    return findings;
  },
} satisfies LintRule;

/** The column and table constraints a CREATE TABLE or an ALTER TABLE (ADD COLUMN / ADD CONSTRAINT) declares. */
function declaredConstraints(statement: UnwrappedStatement): Constraint[] {
  const out: Constraint[] = [];
  const column = (def: ColumnDef | undefined) => {
    for (const c of list(def?.constraints)) {
      const constraint = bodyOf(c, 'Constraint');
      if (constraint) out.push(constraint);
    }
  };
  if (statement.kind === 'CreateStmt') {
    for (const element of list(statement.body.tableElts)) {
      column(bodyOf(element, 'ColumnDef'));
      const constraint = bodyOf(element, 'Constraint');
      if (constraint) out.push(constraint);
    }
  } else if (statement.kind === 'AlterTableStmt') {
    for (const item of list(statement.body.cmds)) {
      const cmd = bodyOf(item, 'AlterTableCmd');
      column(bodyOf(cmd?.def, 'ColumnDef'));
      const constraint = bodyOf(cmd?.def, 'Constraint');
      if (constraint) out.push(constraint);
    }
  }
  return out;
}
