import { bodyOf, list } from '../../sql/ast.js';
import { statementSql } from '../rewrite.js';
import type { LintRule, RunningAppFinding } from '../types.js';
import { columnAddedInFile, displayName, STEPS , existingTableAltered } from './breaking-helpers.js';
import { columnReplacement, DEPLOYED_AFTER_EXPAND, HOLD_BACK } from './contract-helpers.js';

/**
 * DROP COLUMN is instant (PostgreSQL only marks the column dropped), but the application version
 * still running during the migration names the column in its queries (Drizzle lists every column
 * of its schema in SELECT and INSERT), so they fail until the new version is deployed, and the
 * column's data is gone for good. In a contract migration, after the deploy, that is the point.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-DROP-COLUMN
 */
export const droppingColumn = {
  id: 'dropping-column',
  severity: 'error',
  hazard: 'running-app',
  title: 'Dropping a column the running app may use',
  kinds: ['AlterTableStmt'],
  check(context) {
    const altered = existingTableAltered(context);
    if (!altered) return undefined;
    const { table, statement } = altered;
    const findings: RunningAppFinding[] = [];
    for (const item of list(statement.body.cmds)) {
      const cmd = bodyOf(item, 'AlterTableCmd');
      const column = cmd?.subtype === 'AT_DropColumn' && typeof cmd.name === 'string' ? cmd.name : undefined;
      // A column added earlier in this file is unknown to the running app and holds no data of its own.
      if (!column || columnAddedInFile(context, table, column)) continue;
      findings.push({
        message: `Dropping column ${column} of ${displayName(table)} breaks the running app if it still reads or writes it (Drizzle names every column of its schema in its queries), and deletes the column's data.`,
        help: [
          'Instead:',
          `1. Remove ${column} from the Drizzle schema and deploy that app version first.`,
          `2. Back up the data: ${STEPS.backup}.`,
          `3. Drop it in a contract migration, a file that starts with \`-- sdk:phase contract\` and runs after the deploy: \`${statementSql(statement.sql)}\` (\`pnpm sdk db migrate --phase expand\` applies everything before it).`,
        ].join('\n'),
        contract: {
          action: `Dropping column ${column} of ${displayName(table)}`,
          requires: `the application version running now no longer reads or writes ${displayName(table)}.${column} (${DEPLOYED_AFTER_EXPAND} that stopped using it)`,
          help: `Before it runs, check that no instance still runs an app version whose Drizzle schema has ${column}, and back up the data: ${STEPS.backup}. ${HOLD_BACK}`,
          preparedBy: columnReplacement(context, table, column),
        },
      });
    }
    return findings;
  },
} satisfies LintRule;
