import { addForeignKey, namedForeignKey } from '../../operations/add-foreign-key.js';
import { bodyOf, foreignKeyActions, list, qualified, relationKey, relationOf, type ColumnDef, type Constraint, type ForeignKeyAction } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { afterRelationName, ident, statementSql, tableSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatement } from '../types.js';
import { addedConstraint, addingToExistingTable, alterCommands, bareName, constraintName, LATER_MIGRATION, names, notValidSteps, relationSql, tableOf, validateSql } from './constraints-helpers.js';
import { IN_PLACE_OF_DO_BLOCK, newCommand, planHelp, tableArgument, tableOfKey } from './operation-helpers.js';

/**
 * Adding a FOREIGN KEY to a table that has rows checks every row against the referenced table
 * while holding SHARE ROW EXCLUSIVE on both: every INSERT, UPDATE and DELETE on either table
 * waits for the whole check. With NOT VALID the key is added at once (new writes are checked),
 * and VALIDATE CONSTRAINT checks the existing rows later under SHARE UPDATE EXCLUSIVE (ROW SHARE
 * on the referenced table), which lets reads and writes continue.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES
 */
export const addingForeignKey = {
  id: 'adding-foreign-key',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a foreign key without NOT VALID',
  kinds: ['AlterTableStmt'],
  check({ statement, isNewTable, knowledge, pgVersion }) {
    // A table created earlier in this file is empty: there is nothing to check or build.
    const commands = addingToExistingTable(statement, isNewTable)?.commands;
    if (!commands) return undefined;
    const findings: Finding[] = [];
    for (const cmd of commands) {
      const constraint = addedConstraint(cmd);
      // NOT VALID and PostgreSQL 18's NOT ENFORCED both set skip_validation: no check of the rows.
      if (constraint?.contype === 'CONSTR_FOREIGN' && constraint.skip_validation !== true) {
        const { name, named } = constraintName(constraint, bareName(relationOf(statement)));
        const partitions = knowledge.partitioned.get(tableOf(statement).key ?? '');
        findings.push({
          ...hazard(statement, constraint, named ? name : undefined),
          help:
            (partitions && pgVersion < 18 && partitionedRecipe(statement, name, [...partitions])) ||
            (alterCommands(statement).length === 1 && foreignKeyRecipe(statement, constraint, [])) ||
            ['Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately:', ...notValidSteps(statement, constraint)].join('\n'),
        });
      }
      const column = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
      // A new column without a default is NULL in every row, and NULL never violates a foreign key.
      if (!column || !hasDefault(column)) continue;
      for (const item of list(column.constraints)) {
        const reference = bodyOf(item, 'Constraint');
        if (reference?.contype !== 'CONSTR_FOREIGN' || reference.skip_validation === true) continue;
        findings.push({ ...hazard(statement, reference, undefined), help: addColumnRecipe(statement, column, reference) });
      }
    }
    return findings;
  },
} satisfies LintRule;

function hazard(statement: LintStatement, constraint: Constraint, name: string | undefined): Pick<Finding, 'message' | 'lock'> {
  const table = tableOf(statement);
  const referenced = qualified(constraint.pktable);
  const both = relationKey(constraint.pktable) === table.key ? table.shown : `${table.shown} and ${referenced}`;
  return {
    message: `Adding ${name ? `foreign key ${name}` : 'a foreign key'} checks every row of ${table.shown} against ${referenced}, and every write to ${relationKey(constraint.pktable) === table.key ? 'the table' : 'both tables'} waits until it is done: minutes on a big table.`,
    lock: `${describeLock('SHARE ROW EXCLUSIVE', both)}, held while every row is checked`,
  };
}

/**
 * The add-foreign-key operation's plan for the key: added NOT VALID before the deploy, validated
 * after it. Undefined for what the operation does not write (MATCH FULL, DEFERRABLE, ON DELETE
 * SET NULL (columns)): the recipe is then the statement with NOT VALID.
 */
function foreignKeyRecipe(statement: LintStatement, constraint: Constraint, before: string[]): string | undefined {
  const key = tableOf(statement).key;
  const references = relationKey(constraint.pktable);
  if (!key || !references || constraint.deferrable || (constraint.fk_matchtype !== undefined && constraint.fk_matchtype !== 's') || list(constraint.fk_del_set_cols).length > 0) return undefined;
  const table = tableOfKey(key);
  const { name, named } = constraintName(constraint, table.name);
  const { onDelete, onUpdate } = foreignKeyActions(constraint);
  const columns = names(constraint.fk_attrs);
  const refColumns = names(constraint.pk_attrs);
  const on = (action: ForeignKeyAction | undefined) => (action ? ACTIONS[action]?.toLowerCase() : undefined);
  const plan = addForeignKey.plan(namedForeignKey(table, name, { columns, references: tableOfKey(references), refColumns, onDelete: on(onDelete), onUpdate: on(onUpdate) }));
  return planHelp({
    intro:
      before.length > 0
        ? 'Instead, add the column and its foreign key separately: the key NOT VALID (new writes are checked at once, existing rows are not), validated later'
        : 'Instead, add it NOT VALID (new writes are checked at once, existing rows are not) and validate it separately',
    before,
    plan,
    command: newCommand('add-foreign-key', table, [], {
      columns: columns.map(ident).join(', '),
      references: tableArgument(tableOfKey(references)),
      'referenced-columns': refColumns.length > 0 ? refColumns.map(ident).join(', ') : undefined,
      'on-delete': on(onDelete),
      'on-update': on(onUpdate),
      'constraint-name': named ? name : undefined,
    }),
    notes: statement.embeddedIn ? [IN_PLACE_OF_DO_BLOCK] : [],
  });
}

/** ADD COLUMN ... DEFAULT x REFERENCES: every existing row gets x, which must be checked. */
function addColumnRecipe(statement: LintStatement, column: ColumnDef, reference: Constraint): string {
  const table = tableOf(statement);
  const col = column.colname ?? '?';
  const planned = foreignKeyRecipe(statement, { ...reference, fk_attrs: [{ String: { sval: col } }] }, ['This ADD COLUMN without its REFERENCES clause.']);
  if (planned) return `The default fills every existing row, so each one is checked. ${planned}`;
  const { name } = constraintName({ ...reference, fk_attrs: [{ String: { sval: col } }] }, bareName(relationOf(statement)));
  const target = names(reference.pk_attrs);
  const { onDelete, onUpdate } = foreignKeyActions(reference);
  const actions = [
    onDelete && ACTIONS[onDelete] ? ` ON DELETE ${ACTIONS[onDelete]}` : '',
    onUpdate && ACTIONS[onUpdate] ? ` ON UPDATE ${ACTIONS[onUpdate]}` : '',
  ].join('');
  const add = `ALTER TABLE ${table.sql} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${ident(col)}) REFERENCES ${relationSql(reference.pktable)}${target.length ? ` (${target.map(ident).join(', ')})` : ''}${actions} NOT VALID;`;
  return [
    `The default fills every existing row, so each one is checked. Instead, add the column and its foreign key separately:`,
    `1. This ADD COLUMN without its REFERENCES clause.`,
    `2. \`${add}\` (instant: new writes are checked, existing rows are not)`,
    `3. ${LATER_MIGRATION}: \`${validateSql(table.sql, name)}\` (reads every row under SHARE UPDATE EXCLUSIVE; reads and writes continue)`,
  ].join('\n');
}

/** fk_del_action / fk_upd_action letters; `a` (NO ACTION) is the default and left out. */
const ACTIONS: Partial<Record<ForeignKeyAction, string>> = { r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** A DEFAULT other than NULL. */
function hasDefault(column: ColumnDef): boolean {
  return list(column.constraints).some((c) => {
    const constraint = bodyOf(c, 'Constraint');
    return constraint?.contype === 'CONSTR_DEFAULT' && bodyOf(constraint.raw_expr, 'A_Const')?.isnull !== true;
  });
}

/**
 * Before PostgreSQL 18 a partitioned table refuses a NOT VALID foreign key. Adding the key to each
 * partition NOT VALID, validating those, then adding it to the parent works: the parent adopts the
 * partitions' validated keys without checking the rows again (checked on PostgreSQL 15).
 * https://www.postgresql.org/docs/current/sql-altertable.html (ADD table_constraint)
 */
function partitionedRecipe(statement: LintStatement, name: string, partitions: string[]): string | undefined {
  const rest = afterRelationName(statement.sql, 'TABLE');
  if (rest === undefined || alterCommands(statement).length !== 1) return undefined;
  const each = partitions.length > 0 ? partitions : ['<partition>'];
  return [
    'Instead (before PostgreSQL 18 a partitioned table refuses NOT VALID foreign keys), add it partition by partition, then to the parent:',
    `1. ${each.map((p) => `\`${statementSql(`ALTER TABLE ${tableSql(p)}${rest} NOT VALID`)}\``).join(', ')} (instant on each)`,
    `2. ${LATER_MIGRATION}: ${each.map((p) => `\`${validateSql(tableSql(p), name)}\``).join(', ')} (reads and writes continue)`,
    `3. Then this statement: the parent adopts the validated keys of its partitions without checking the rows again.`,
  ].join('\n');
}
