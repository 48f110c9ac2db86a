import { addUnique, namedUnique } from '../../operations/add-unique.js';
import { bodyOf, list, relationOf, type ColumnDef, type Constraint, type ConstrType } from '../../sql/ast.js';
import { describeLock } from '../locks.js';
import { ident, removeWords, statementSql } from '../rewrite.js';
import type { Finding, LintRule, LintStatement } from '../types.js';
import { addedConstraint, addingToExistingTable, alterCommands, bareName, constraintName, IN_A_LATER_MIGRATION, names, objectName, tableOf } from './constraints-helpers.js';
import { IN_PLACE_OF_DO_BLOCK, newCommand, planHelp, tableOfKey } from './operation-helpers.js';

const WORDS: Partial<Record<ConstrType, string>> = { CONSTR_UNIQUE: 'UNIQUE', CONSTR_PRIMARY: 'PRIMARY KEY', CONSTR_EXCLUSION: 'EXCLUDE' };

/** `UNIQUE`, `PRIMARY KEY` or `EXCLUDE`; undefined for a constraint that builds no index. */
const wordOf = (constraint: Constraint): string | undefined => (constraint.contype ? WORDS[constraint.contype] : undefined);

/**
 * ADD CONSTRAINT ... UNIQUE / PRIMARY KEY / EXCLUDE (and ADD COLUMN ... UNIQUE / PRIMARY KEY)
 * builds the constraint's index over every row while holding ACCESS EXCLUSIVE: every read and
 * write of the table waits for the whole build. A UNIQUE or PRIMARY KEY constraint can instead
 * take over an index built beforehand with CREATE UNIQUE INDEX CONCURRENTLY (`USING INDEX`),
 * which is instant.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
 */
export const addingUniqueConstraint = {
  id: 'adding-unique-constraint',
  severity: 'error',
  hazard: 'database',
  title: 'Adding a UNIQUE, PRIMARY KEY or EXCLUDE constraint that builds its index under lock',
  kinds: ['AlterTableStmt'],
  check({ statement, isNewTable }) {
    // A table created earlier in this file is empty: there is nothing to check or build.
    const commands = addingToExistingTable(statement, isNewTable)?.commands;
    if (!commands) return undefined;
    const findings: Finding[] = [];
    for (const cmd of commands) {
      const constraint = addedConstraint(cmd);
      // USING INDEX takes over an index that already exists: nothing is built.
      if (constraint && wordOf(constraint) && !constraint.indexname) {
        findings.push(finding(statement, constraint, undefined, constraint.contype === 'CONSTR_EXCLUSION' ? exclusionRecipe(statement) : usingIndexRecipe(statement, constraint)));
      }
      const column = cmd.subtype === 'AT_AddColumn' ? bodyOf(cmd.def, 'ColumnDef') : undefined;
      for (const item of list(column?.constraints)) {
        const inline = bodyOf(item, 'Constraint');
        if (!column || !inline || !wordOf(inline)) continue;
        const keyed: Constraint = { ...inline, keys: [{ String: { sval: column.colname ?? '?' } }] };
        findings.push(finding(statement, keyed, column.colname ?? '?', addColumnRecipe(statement, column, keyed)));
      }
    }
    return findings;
  },
} satisfies LintRule;

function finding(statement: LintStatement, constraint: Constraint, column: string | undefined, help: string): Finding {
  const table = tableOf(statement);
  const { name, named } = constraintName(constraint, bareName(relationOf(statement)));
  const word = wordOf(constraint)!;
  const what = column ? `column ${column} with ${word}` : named ? `${word} constraint ${name}` : `${word === 'EXCLUDE' ? 'an' : 'a'} ${word} constraint`;
  return {
    message: `Adding ${what} builds its index over every row of ${table.shown}, and every read and write of the table waits until it is done: minutes on a big table.`,
    lock: `${describeLock('ACCESS EXCLUSIVE', table.shown)}, held while the index is built`,
    help,
  };
}

/** `CREATE UNIQUE INDEX CONCURRENTLY` with the constraint's columns, INCLUDE and NULLS NOT DISTINCT. */
function createIndexSql(statement: LintStatement, constraint: Constraint, name: string): string {
  const columns = names(constraint.keys).map(ident).join(', ');
  const including = names(constraint.including);
  return `CREATE UNIQUE INDEX CONCURRENTLY ${ident(name)} ON ${tableOf(statement).sql} (${columns})${including.length ? ` INCLUDE (${including.map(ident).join(', ')})` : ''}${constraint.nulls_not_distinct ? ' NULLS NOT DISTINCT' : ''};`;
}

/** `ALTER TABLE t ADD CONSTRAINT name UNIQUE USING INDEX name`, keeping DEFERRABLE. */
function attachSql(statement: LintStatement, constraint: Constraint, name: string): string {
  const deferrable = constraint.deferrable ? ` DEFERRABLE${constraint.initdeferred ? ' INITIALLY DEFERRED' : ''}` : '';
  return `ALTER TABLE ${tableOf(statement).sql} ADD CONSTRAINT ${ident(name)} ${wordOf(constraint)} USING INDEX ${ident(name)}${deferrable};`;
}

/** What ADD PRIMARY KEY USING INDEX needs first: key columns already NOT NULL, or it scans for NULLs under the lock. */
function notNullStep(statement: LintStatement, constraint: Constraint, step: number): string[] {
  if (constraint.contype !== 'CONSTR_PRIMARY') return [];
  const table = tableOf(statement);
  const columns = names(constraint.keys);
  const first = columns[0] ?? '?';
  const check = objectName(bareName(relationOf(statement)), first, 'not_null');
  return [
    `${step}. Make sure ${columns.length > 1 ? `every key column (${columns.join(', ')})` : `${first}`} is NOT NULL first: otherwise ADD PRIMARY KEY runs SET NOT NULL, which reads the whole table under ACCESS EXCLUSIVE. For a column that is not: \`ALTER TABLE ${table.sql} ADD CONSTRAINT ${ident(check)} CHECK (${ident(first)} IS NOT NULL) NOT VALID;\`, then ${IN_A_LATER_MIGRATION} \`ALTER TABLE ${table.sql} VALIDATE CONSTRAINT ${ident(check)};\` and \`ALTER TABLE ${table.sql} ALTER COLUMN ${ident(first)} SET NOT NULL;\` (PostgreSQL 12+ uses the validated CHECK instead of reading the table).`,
  ];
}

/**
 * The add-unique operation's plan for a UNIQUE constraint: its index built CONCURRENTLY before the
 * deploy, attached as the constraint after it; `before` are steps of the user's own that come
 * first. Undefined for what the operation does not write (PRIMARY KEY, INCLUDE, NULLS NOT
 * DISTINCT, DEFERRABLE): the recipe is then the one built from the statement.
 */
function uniqueRecipe(statement: LintStatement, constraint: Constraint, before: string[]): string | undefined {
  const key = tableOf(statement).key;
  const columns = names(constraint.keys);
  if (!key || constraint.contype !== 'CONSTR_UNIQUE' || list(constraint.including).length > 0 || constraint.nulls_not_distinct || constraint.deferrable || columns.length === 0) return undefined;
  const table = tableOfKey(key);
  const { name, named } = constraintName(constraint, table.name);
  return planHelp({
    intro:
      before.length > 0
        ? 'Instead, add the column first, then build its index without blocking writes and let the constraint take it over'
        : 'Instead, build the index without blocking writes, then let the constraint take it over',
    before,
    plan: addUnique.plan(namedUnique(table, name, columns)),
    command: newCommand('add-unique', table, [], { columns: columns.map(ident).join(', '), 'constraint-name': named ? name : undefined }),
    notes: statement.embeddedIn && before.length === 0 ? [IN_PLACE_OF_DO_BLOCK] : [],
  });
}

function usingIndexRecipe(statement: LintStatement, constraint: Constraint): string {
  const planned = alterCommands(statement).length === 1 ? uniqueRecipe(statement, constraint, []) : undefined;
  if (planned) return planned;
  const { name } = constraintName(constraint, bareName(relationOf(statement)));
  const notNull = notNullStep(statement, constraint, 2);
  return [
    'Instead, build the index without blocking writes, then let the constraint take it over:',
    `1. \`${createIndexSql(statement, constraint, name)}\` (the runner runs it outside a transaction)`,
    ...notNull,
    `${2 + notNull.length}. \`${attachSql(statement, constraint, name)}\` (instant: the index is already built)`,
  ].join('\n');
}

/** ADD COLUMN ... UNIQUE: add the column bare, then the index and the constraint. */
function addColumnRecipe(statement: LintStatement, column: ColumnDef, constraint: Constraint): string {
  const { name } = constraintName(constraint, bareName(relationOf(statement)));
  const words = constraint.contype === 'CONSTR_PRIMARY' ? ['PRIMARY', 'KEY'] : ['UNIQUE'];
  const bare = alterCommands(statement).length === 1 && typeof constraint.conname !== 'string' ? removeWords(statement.sql, words) : undefined;
  const first = bare ? `\`${statementSql(bare)}\`` : `This ADD COLUMN ${ident(column.colname ?? '?')} without its ${words.join(' ')} clause.`;
  const planned = uniqueRecipe(statement, constraint, [first]);
  if (planned) return planned;
  const notNull = notNullStep(statement, constraint, 3);
  return [
    'Instead, add the column first, then build its index without blocking writes:',
    `1. ${first}`,
    `2. \`${createIndexSql(statement, constraint, name)}\` (the runner runs it outside a transaction)`,
    ...notNull,
    `${3 + notNull.length}. \`${attachSql(statement, constraint, name)}\` (instant: the index is already built)`,
  ].join('\n');
}

/** Exclusion constraints have no USING INDEX: the only way around the lock is a new table. */
function exclusionRecipe(statement: LintStatement): string {
  const table = tableOf(statement);
  const schema = relationOf(statement)?.schemaname;
  const bare = bareName(relationOf(statement));
  const fresh = `${schema ? `${ident(schema)}.` : ''}${ident(`${bare}_new`)}`;
  return [
    'PostgreSQL cannot build an exclusion constraint ahead of time (USING INDEX accepts only UNIQUE and PRIMARY KEY indexes), so this statement always builds it under the lock. On a small table, run it as is at a quiet time. On a big one, instead:',
    `1. \`CREATE TABLE ${fresh} (LIKE ${table.sql} INCLUDING ALL);\` and this ADD CONSTRAINT on ${fresh} (instant: it is empty).`,
    `2. A trigger on ${table.sql} that copies every INSERT, UPDATE and DELETE to ${fresh}.`,
    `3. Copy the existing rows in batches (rows that violate the constraint fail: fix them in ${table.sql} first).`,
    `4. In one short transaction: \`ALTER TABLE ${table.sql} RENAME TO ${ident(`${bare}_old`)};\` and \`ALTER TABLE ${fresh} RENAME TO ${ident(bare)};\`; then drop the trigger and the old table.`,
  ].join('\n');
}
