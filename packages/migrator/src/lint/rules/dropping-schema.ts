import { list, objectName } from '../../sql/ast.js';
import type { LintRule } from '../types.js';
import { objectCreatedInFile, STEPS } from './breaking-helpers.js';
import { DEPLOYED_AFTER_EXPAND, HOLD_BACK } from './contract-helpers.js';

/**
 * DROP SCHEMA removes the namespace the running application names in its queries (Drizzle
 * qualifies every table of a `pgSchema`); with CASCADE it also deletes every table, view, type
 * and function in it, with their data, without listing them.
 * https://www.postgresql.org/docs/current/sql-dropschema.html
 */
export const droppingSchema = {
  id: 'dropping-schema',
  severity: 'error',
  hazard: 'running-app',
  title: 'Dropping a schema',
  kinds: ['DropStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'DropStmt' || statement.body.removeType !== 'OBJECT_SCHEMA') return undefined;
    const existing = list(statement.body.objects)
      .map(objectName)
      .filter((name) => !objectCreatedInFile(context, 'schema', name));
    if (existing.length === 0) return undefined;
    const names = existing.join(', ');
    const cascade = statement.body.behavior === 'DROP_CASCADE';
    return {
      message: cascade
        ? `Dropping schema ${names} with CASCADE deletes every table, view, type and function in it, with their data, and breaks the running app wherever it still uses them.`
        : `Dropping schema ${names} breaks the running app if it still names the schema, and fails while anything is left in it.`,
      help: [
        'Instead:',
        "1. Remove the schema's tables and types from the Drizzle schema and deploy that app version first.",
        `2. Back up the data: ${STEPS.backup}.`,
        '3. Drop its tables, views, types and functions one by one in contract migrations, so each drop is reviewed.',
        '4. Drop the empty schema without CASCADE, in a contract migration (a file that starts with `-- sdk:phase contract`).',
      ].join('\n'),
      // What was in the schema cannot be matched to an earlier migration's preparation: only `-- sdk:phase contract` makes it a contract step.
      contract: {
        action: `Dropping schema ${names}${cascade ? ' with CASCADE' : ''}`,
        requires: `the application version running now no longer names ${existing.length > 1 ? 'these schemas' : 'the schema'} or anything in ${existing.length > 1 ? 'them' : 'it'} (${DEPLOYED_AFTER_EXPAND} that stopped using ${existing.length > 1 ? 'them' : 'it'})`,
        help: `Before it runs, check that no instance still runs an app version whose Drizzle schema has a table, view or type in ${names}${cascade ? `, and back up the data: ${STEPS.backup}` : ''}. ${HOLD_BACK}`,
      },
    };
  },
} satisfies LintRule;
