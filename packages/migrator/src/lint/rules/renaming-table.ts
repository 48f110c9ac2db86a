import { relationKey } from '../../sql/ast.js';
import { statementSql } from '../rewrite.js';
import type { LintRule } from '../types.js';
import { displayName, relationCreatedInFile, relationLike, relationText, viewCreatedLater , RELATION_WORDS } from './breaking-helpers.js';

/**
 * RENAME TO is instant, but the application version still running during the migration names
 * the old relation in every query, which then fails with "relation does not exist" until the new
 * version is deployed. A view with the old name keeps it working: a simple view is updatable.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-RENAME
 * https://www.postgresql.org/docs/current/sql-createview.html#SQL-CREATEVIEW-UPDATABLE-VIEWS
 */
export const renamingTable = {
  id: 'renaming-table',
  severity: 'error',
  hazard: 'running-app',
  title: 'Renaming a table or view the running app uses',
  kinds: ['RenameStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'RenameStmt') return undefined;
    const type = statement.body.renameType;
    const word = type && RELATION_WORDS[type];
    const from = relationKey(statement.body.relation);
    const to = statement.body.newname;
    if (!word || !from || typeof to !== 'string') return undefined;
    if (relationCreatedInFile(context, from)) return undefined;
    // The expand/contract pattern itself: a later statement recreates the old name as a view.
    if (viewCreatedLater(context, from)) return undefined;
    const schema = from.slice(0, from.indexOf('.'));
    const userText = relationText(statement.sql, from);
    const oldName = relationLike(from, userText);
    const newName = relationLike(`${schema}.${to}`, userText);
    const dropView = word === 'materialized view' ? '' : ' (a simple view is updatable, so its INSERTs, UPDATEs and DELETEs keep working too)';
    return {
      message: `Renaming ${word} ${displayName(from)} to ${to} breaks the running app: its queries still name ${displayName(from)} and fail until the new version is deployed.`,
      help: [
        'Instead, keep the old name working until the new app is deployed:',
        `1. Rename it and, in the same migration, create a view with the old name: \`${statementSql(statement.sql)}\` then \`CREATE VIEW ${oldName} AS SELECT * FROM ${newName};\`${dropView}.`,
        `2. Deploy the app version that uses ${displayName(`${schema}.${to}`)}.`,
        `3. In a contract migration (a file that starts with \`-- sdk:phase contract\`), drop the view: \`DROP VIEW ${oldName};\`.`,
      ].join('\n'),
      // No earlier migration prepares a rename (the recipe above replaces it): only `-- sdk:phase contract` makes it a contract step.
      contract: {
        action: `Renaming ${word} ${displayName(from)} to ${to}`,
        requires: `the application version running now names neither ${displayName(from)} nor ${displayName(`${schema}.${to}`)} (its queries that name ${displayName(from)} fail from this statement on, those that name ${to} until it has run)`,
        help: `Before it runs, check that no instance runs an app version that names ${displayName(from)} or ${displayName(`${schema}.${to}`)}. If the new version uses the new name, keep the old one working instead: in the same migration as the rename, \`CREATE VIEW ${oldName} AS SELECT * FROM ${newName};\`, and drop that view in the contract migration.`,
      },
    };
  },
} satisfies LintRule;
