import { bodyOf } from '../../sql/ast.js';
import { ident, statementSql } from '../rewrite.js';
import type { Finding, LintRule } from '../types.js';
import type { ViewUse } from '../view-uses.js';
import { displayName } from './breaking-helpers.js';
import { alterCommands, tableOf } from './constraints-helpers.js';

/**
 * A view (or materialized view) depends on the columns its query reads (pg_depend, recorded when
 * it is created). While one does, PostgreSQL refuses ALTER COLUMN ... TYPE ("cannot alter type of
 * a column used by a view or rule") and DROP COLUMN without CASCADE ("cannot drop column ...
 * because other objects depend on it"): the migration fails at that statement. Known when an
 * earlier statement of the file or an earlier migration of the folder created the view; with
 * CASCADE, the drop takes the view with it (drop-cascade reports that).
 * https://www.postgresql.org/docs/current/sql-altertable.html
 * https://www.postgresql.org/docs/current/ddl-depend.html
 */
export const columnUsedByView = {
  id: 'column-used-by-view',
  severity: 'error',
  hazard: 'database',
  title: 'Changing the type of, or dropping, a column a view reads',
  kinds: ['AlterTableStmt'],
  check({ statement, knowledge }) {
    if (statement.kind !== 'AlterTableStmt') return undefined;
    const findings: Finding[] = [];
    const table = tableOf(statement);
    for (const cmd of alterCommands(statement)) {
      const typed = cmd.subtype === 'AT_AlterColumnType' && bodyOf(cmd.def, 'ColumnDef') !== undefined;
      const dropped = cmd.subtype === 'AT_DropColumn' && cmd.behavior !== 'DROP_CASCADE';
      if ((!typed && !dropped) || typeof cmd.name !== 'string') continue;
      const views = knowledge.viewUses.using(table.key, cmd.name);
      if (views.length === 0) continue;
      const column = `${table.shown}.${cmd.name}`;
      const names = views.map((v) => displayName(v.view));
      const refusal = typed ? '"cannot alter type of a column used by a view or rule"' : `"cannot drop column ${cmd.name} of table ${table.shown} because other objects depend on it"`;
      findings.push({
        message: `PostgreSQL refuses to ${typed ? 'change the type of' : 'drop'} ${column} while ${names.length === 1 ? `the view ${names[0]} reads it` : `the views ${names.join(', ')} read it`} (${refusal}), so the migration fails at this statement.`,
        help: recreate(views, typed, statement.sql),
      });
    }
    return findings;
  },
} satisfies LintRule;

/** The view's SQL name, quoted where needed. */
function viewSql(use: ViewUse): string {
  const dot = use.view.indexOf('.');
  const schema = use.view.slice(0, dot);
  const name = use.view.slice(dot + 1);
  return schema === 'public' ? ident(name) : `${ident(schema)}.${ident(name)}`;
}

/**
 * Drop the views first and create them again after, in the same migration: its transaction hides
 * the gap from every other session. A materialized view is computed again by its CREATE.
 */
function recreate(views: readonly ViewUse[], typed: boolean, sql: string): string {
  const drops = views.map((v) => `\`DROP ${v.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} ${viewSql(v)};\``).join(' ');
  const creates = views.map((v) => (v.sql ? `\`${statementSql(v.sql)}\`` : `the CREATE of ${displayName(v.view)}`)).join(' ');
  const materialized = views.some((v) => v.materialized)
    ? ' Creating a materialized view again runs its query in full, and its readers wait for the migration until it commits.'
    : '';
  const after = typed ? `then \`${statementSql(sql)}\`, then create ${views.length === 1 ? 'it' : 'them'} again: ${creates}` : `then this drop, then create ${views.length === 1 ? 'it' : 'them'} again without the column, if still needed`;
  return `In the same migration, drop ${views.length === 1 ? 'the view' : 'the views'} first: ${drops} ${after}. The migration's transaction hides the moment the view is missing from every other session, which waits for the commit (ACCESS EXCLUSIVE on the view).${materialized}`;
}
