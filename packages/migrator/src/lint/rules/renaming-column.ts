import type { ColumnInfo } from '../../operations/catalog.js';
import { renameColumn, renamedColumn } from '../../operations/rename-column.js';
import { relationKey } from '../../sql/ast.js';
import { typeText, type ColumnType } from '../knowledge.js';
import type { LintRule, RuleContext, RunningAppFinding } from '../types.js';
import { BACKFILL_HOW, backfillCommand } from './backfill-helpers.js';
import { columnAddedInFile, displayName, identLike, relationCreatedInFile, relationLike, relationText } from './breaking-helpers.js';
import { knownColumn, newCommand, planHelp, tableOfKey } from './operation-helpers.js';

/**
 * RENAME COLUMN is instant, but the application version still running during the migration
 * names the old column in every query (Drizzle lists every column of its schema), so its reads
 * and writes fail with "column does not exist" until the new version is deployed.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-RENAME
 */
export const renamingColumn = {
  id: 'renaming-column',
  severity: 'error',
  hazard: 'running-app',
  title: 'Renaming a column the running app uses',
  kinds: ['RenameStmt'],
  check(context) {
    const { statement, knowledge } = context;
    if (statement.kind !== 'RenameStmt' || statement.body.renameType !== 'OBJECT_COLUMN') return undefined;
    const view = VIEWS[statement.body.relationType ?? 'OBJECT_TABLE'];
    if (statement.body.relationType !== 'OBJECT_TABLE' && !view) return undefined;
    const table = relationKey(statement.body.relation);
    const from = statement.body.subname;
    const to = statement.body.newname;
    if (!table || typeof from !== 'string' || typeof to !== 'string') return undefined;
    if (view) return viewColumn(context, view, table, from, to);
    // A table created, or a column added, earlier in this file is not used by the running app yet.
    if (context.isNewTable(table) || columnAddedInFile(context, table, from)) return undefined;
    const old = knownColumn(knowledge, table, from);
    return {
      message: `Renaming column ${from} of ${displayName(table)} to ${to} breaks the running app: its queries still name ${from} and fail until the new version is deployed.`,
      help:
        old.identity || old.generated || knowledge.columnUses(table, from).length > 0
          ? unsyncable(statement.sql, table, from, to, knowledge.columnType(table, from))
          : renameRecipe(table, old, to),
      // No earlier migration prepares a rename (the recipe above replaces it): only `-- sdk:phase contract` makes it a contract step.
      contract: {
        action: `Renaming column ${from} of ${displayName(table)} to ${to}`,
        requires: `the application version running now names neither ${from} nor ${to} (its queries that name ${from} fail from this statement on, those that name ${to} until it has run)`,
        help: `Before it runs, check that no instance runs an app version that names ${from} or ${to}. If the new version uses ${to}, no moment suits the rename (one version or the other fails): instead add ${to} next to ${from} in an expand migration, kept in sync by a trigger and backfilled, and drop ${from} here once that version is deployed.`,
      },
    };
  },
} satisfies LintRule;

/** `ALTER VIEW ... RENAME COLUMN` and `ALTER MATERIALIZED VIEW ... RENAME COLUMN`. */
const VIEWS: Partial<Record<string, string>> = { OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };

/**
 * A view's column renamed: the running app's queries of the view break the same way. A view has
 * no rows to copy: the old name keeps working while the view offers both names (CREATE OR
 * REPLACE VIEW may add columns at the end), and goes in a contract migration. squawk's
 * renaming-column reports these too (https://squawkhq.com/docs/renaming-column).
 */
function viewColumn(context: RuleContext, word: string, key: string, from: string, to: string): RunningAppFinding | undefined {
  if (relationCreatedInFile(context, key)) return undefined;
  const userText = relationText(context.statement.sql, key);
  const name = relationLike(key, userText);
  const oldName = identLike(from, userText);
  const newName = identLike(to, userText);
  const replace =
    word === 'view'
      ? `\`CREATE OR REPLACE VIEW ${name} AS SELECT <its columns as now>, ${oldName} AS ${newName} FROM ...;\` (a view may gain columns at the end; the old ones keep their names and order)`
      : `a materialized view cannot gain a column in place, so create a second one that selects ${oldName} AS ${newName} too, and switch the app to it`;
  return {
    message: `Renaming column ${from} of ${word} ${displayName(key)} to ${to} breaks the running app: its queries still name ${from} and fail until the new version is deployed.`,
    help: [
      'Instead, offer both names until the new version is deployed:',
      `1. In an expand migration, add ${newName} next to ${oldName}: ${replace}.`,
      `2. Deploy the app version that reads ${newName}.`,
      `3. In a contract migration (a file that starts with \`-- sdk:phase contract\`), recreate the ${word} without ${oldName}.`,
    ].join('\n'),
    contract: {
      action: `Renaming column ${from} of ${word} ${displayName(key)} to ${to}`,
      requires: `the application version running now names neither ${from} nor ${to} in its queries of ${displayName(key)}`,
      help: `Before it runs, check that no instance runs an app version that reads ${from} or ${to} from ${displayName(key)}; otherwise offer both names first (CREATE OR REPLACE VIEW with ${newName} added) and drop ${oldName} here once the new version is deployed.`,
    },
  };
}

/**
 * The rename-column operation's plan: the new column kept equal to the old one by a trigger while
 * both application versions run, the rows copied in batches, the old column dropped after the
 * deploy. Built from what earlier migrations said about the column (its type, NOT NULL, default).
 */
function renameRecipe(key: string, old: ColumnInfo, to: string): string {
  const table = tableOfKey(key);
  return planHelp({
    intro: 'Instead, expand and contract: add the new column next to the old one, kept equal by a trigger',
    plan: renameColumn.plan(renamedColumn(table, old, to)),
    command: newCommand('rename-column', table, [old.name, to]),
  });
}

/**
 * A column filled by a sequence (serial, identity) or generated, or used by an index or a
 * constraint: rename-column refuses it (a trigger cannot copy a sequence; the index or constraint
 * would stay on the old column), so no plan fits and the recipe stays in words, as before.
 */
function unsyncable(sql: string, key: string, from: string, to: string, type: ColumnType | undefined): string {
  const tableText = relationText(sql, key);
  const t = relationLike(key, tableText);
  const oldName = identLike(from, tableText);
  const newName = identLike(to, tableText);
  return [
    'Instead, expand and contract:',
    `1. Add the new column: \`ALTER TABLE ${t} ADD COLUMN ${newName} ${type ? typeText(type) : '<type>'};\`.`,
    `2. In the same migration, keep both in sync with a BEFORE INSERT OR UPDATE trigger that copies ${oldName} into ${newName} (and back, once the new app writes ${newName}).`,
    `3. Once that is applied, backfill ${newName} from ${oldName}: \`${backfillCommand({ table: t, set: `${newName} = ${oldName}`, where: `${newName} IS DISTINCT FROM ${oldName}` })}\` (${BACKFILL_HOW}).`,
    `4. Deploy the app version that uses ${newName} (apply the steps above first with \`pnpm sdk db migrate --phase expand\`).`,
    `5. In a contract migration (a file that starts with \`-- sdk:phase contract\`), drop the trigger and the old column: \`ALTER TABLE ${t} DROP COLUMN ${oldName};\`.`,
  ].join('\n');
}
