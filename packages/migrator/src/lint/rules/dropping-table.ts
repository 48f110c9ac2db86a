import { list, objectName, relationKey } from '../../sql/ast.js';
import type { LintRule, LintStatement } from '../types.js';
import { displayName, laterInTransaction, relationCreatedInFile, STEPS, RELATION_WORDS } from './breaking-helpers.js';
import { DEPLOYED_AFTER_EXPAND, HOLD_BACK, standInView } from './contract-helpers.js';

/**
 * DROP TABLE removes the table and its data for good, and the application version still running
 * during the migration fails on every query that names it ("relation does not exist"); the same
 * goes for a view or materialized view it reads. Silent for relations created earlier in the file.
 * In a contract migration, after the deploy, that is the point.
 * https://www.postgresql.org/docs/current/sql-droptable.html
 */
export const droppingTable = {
  id: 'dropping-table',
  severity: 'error',
  hazard: 'running-app',
  title: 'Dropping a table or view the running app may use',
  kinds: ['DropStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'DropStmt') return undefined;
    const type = statement.body.removeType;
    const word = type && RELATION_WORDS[type];
    if (!word) return undefined;
    const existing = list(statement.body.objects)
      .map(objectName)
      .map((name) => (name.includes('.') ? name : `public.${name}`))
      .filter((key) => !relationCreatedInFile(context, key))
      // A view dropped and created again in the same transaction (to change a column it reads): no other session sees it missing.
      .filter((key) => word === 'table' || !laterInTransaction(context, (later) => createsView(later) === key));
    if (existing.length === 0) return undefined;
    const names = existing.map(displayName).join(', ');
    const table = word === 'table';
    const them = existing.length > 1 ? 'them' : 'it';
    // A view that stands in for a renamed relation: dropping it is the last step of the rename.
    const standIns = word === 'view' ? existing.map((key) => standInView(context, key)) : [];
    return {
      message: table
        ? `Dropping ${existing.length > 1 ? 'tables' : 'table'} ${names} breaks the running app if it still uses ${existing.length > 1 ? 'them' : 'it'}, and deletes ${existing.length > 1 ? 'their' : 'its'} data.`
        : `Dropping ${word} ${names} breaks the running app if it still queries ${existing.length > 1 ? 'them' : 'it'}.`,
      help: [
        'Instead:',
        `1. Remove ${names} from the Drizzle schema and the app's queries, and deploy that app version first.`,
        ...(table ? [`2. Back up the data: ${STEPS.backup}.`] : []),
        `${table ? 3 : 2}. Drop it in a contract migration, a file that starts with \`-- sdk:phase contract\` and runs after the deploy (\`pnpm sdk db migrate --phase expand\` applies everything before it).`,
      ].join('\n'),
      contract: {
        action: `Dropping ${word}${existing.length > 1 ? 's' : ''} ${names}`,
        requires: `the application version running now no longer queries ${names} (${DEPLOYED_AFTER_EXPAND} that stopped using ${them})`,
        help: `Before it runs, check that no instance still runs an app version that queries ${names}${table ? `, and back up the data: ${STEPS.backup}` : ''}. ${HOLD_BACK}`,
        preparedBy: standIns.length > 0 && standIns.every((s) => s !== undefined) ? standIns.join('; ') : undefined,
      },
    };
  },
} satisfies LintRule;

/** The view or materialized view a statement creates (relationKey), if it creates one. */
function createsView(statement: LintStatement): string | undefined {
  if (statement.kind === 'ViewStmt') return relationKey(statement.body.view);
  if (statement.kind === 'CreateTableAsStmt' && statement.body.objtype === 'OBJECT_MATVIEW') return relationKey(statement.body.into?.rel);
  return undefined;
}
