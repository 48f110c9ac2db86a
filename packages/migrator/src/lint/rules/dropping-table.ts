import { list, objectName } from '../../sql/ast.js';
import type { LintRule } from '../types.js';
import { displayName, relationCreatedInFile, STEPS , RELATION_WORDS } from './breaking-helpers.js';

/**
 * DROP TABLE removes the table and its data for good, and the application version still running
 * during the migration fails on every query that names it ("relation does not exist"); the same
 * goes for a view or materialized view it reads. Silent for relations created earlier in the file.
 * https://www.postgresql.org/docs/current/sql-droptable.html
 */
export const droppingTable = {
  id: 'dropping-table',
  severity: 'error',
  title: 'Dropping a table or view the running app may use',
  check(context) {
    const { statement } = context;
    const word = statement.kind === 'DropStmt' ? RELATION_WORDS[String(statement.body.removeType)] : undefined;
    if (!word) return undefined;
    const existing = list(statement.body.objects)
      .map(objectName)
      .map((name) => (name.includes('.') ? name : `public.${name}`))
      .filter((key) => !relationCreatedInFile(context, key));
    if (existing.length === 0) return undefined;
    const names = existing.map(displayName).join(', ');
    const table = word === 'table';
    return {
      message: table
        ? `Dropping ${existing.length > 1 ? 'tables' : 'table'} ${names} breaks the running app if it still uses ${existing.length > 1 ? 'them' : 'it'}, and deletes ${existing.length > 1 ? 'their' : 'its'} data.`
        : `Dropping ${word} ${names} breaks the running app if it still queries ${existing.length > 1 ? 'them' : 'it'}.`,
      help: [
        'Instead:',
        `1. Remove ${names} from the Drizzle schema and the app's queries, and deploy that app version first.`,
        ...(table ? [`2. Back up the data: ${STEPS.backup}.`] : []),
        `${table ? 3 : 2}. Drop it in a contract migration that runs after the deploy (\`pnpm sdk db migrate --phase expand\` applies everything before it), with \`-- sdk-lint-ignore dropping-table: <why>\` on the line before.`,
      ].join('\n'),
    };
  },
} satisfies LintRule;
