import { relationKey } from '../../sql/ast.js';
import { statementSql } from '../rewrite.js';
import type { LintRule, RuleContext } from '../types.js';
import { displayName, identLike, laterInTransaction, relationLike, relationText } from './breaking-helpers.js';
import { alterCommands, altersTable } from './rewrites-helpers.js';

/**
 * With row level security enabled and no policy, PostgreSQL applies a default-deny policy: every
 * role but the table's owner (and superusers and roles with BYPASSRLS) sees no rows, and its
 * INSERT, UPDATE and DELETE write nothing or fail. FORCE ROW LEVEL SECURITY subjects the owner
 * to it as well. The running app loses the table the moment the migration commits, unless the
 * policies exist first.
 * https://www.postgresql.org/docs/current/ddl-rowsecurity.html
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ENABLE-ROW-LEVEL-SECURITY
 */
export const enablingRowLevelSecurity = {
  id: 'enabling-row-level-security',
  severity: 'error',
  hazard: 'running-app',
  title: 'Enabling row level security on a table with no policy',
  kinds: ['AlterTableStmt'],
  check(context) {
    const { statement, isNewTable, knowledge } = context;
    if (!altersTable(statement)) return undefined;
    const table = relationKey(statement.body.relation);
    if (!table || isNewTable(table)) return undefined;
    const subtypes = new Set(alterCommands(statement.body).map((cmd) => cmd.subtype));
    const enable = subtypes.has('AT_EnableRowSecurity');
    const force = subtypes.has('AT_ForceRowSecurity');
    if (!enable && !force) return undefined;
    // Policies are learned from CREATE POLICY earlier in this file and in the earlier migrations.
    if ((knowledge.policies.get(table)?.size ?? 0) > 0) return undefined;
    // drizzle-kit writes the ENABLE before the CREATE POLICY: in one transaction no other session
    // sees the table without its policy, since both become visible at the commit.
    if (policyLaterInTransaction(context, table)) return undefined;

    const name = displayName(table);
    const userText = relationText(statement.sql, table);
    const tableSql = relationLike(table, userText);
    const policy = identLike(`${table.slice(table.indexOf('.') + 1)}_allow_all`, userText);
    const createPolicy = `CREATE POLICY ${policy} ON ${tableSql} FOR ALL USING (true) WITH CHECK (true);`;
    const who = enable
      ? force
        ? 'every role that has no BYPASSRLS, its owner included,'
        : 'every role that is not its owner and has no BYPASSRLS'
      : "its owner, like every other role without BYPASSRLS, once row level security is enabled,";
    const verb = enable ? 'Enabling' : 'Forcing';
    return {
      message: `${verb} row level security on ${name} with no policy on it (none in this migration or the earlier ones) breaks the running app: ${who} sees no rows and writes nothing, since no policy means deny.`,
      help: [
        'Instead, create the policies first, in the same migration (and transaction):',
        `1. Before the ${enable ? 'ENABLE' : 'FORCE'}, a permissive policy that keeps today's behaviour: \`${createPolicy}\` (add \`TO <role>\` to keep it to the app's role).`,
        `2. Then ${enable ? 'enable' : 'force'} row level security: \`${statementSql(statement.sql)}\`.`,
        `3. Tighten in later migrations: create the policies you mean to enforce, deploy the app version they allow, then \`DROP POLICY ${policy} ON ${tableSql};\`.`,
      ].join('\n'),
      // No earlier migration prepares it: only `-- sdk:phase contract` makes it a contract step.
      contract: {
        action: `${verb} row level security on ${name} with no policy`,
        requires: `no application version running now reads or writes ${name} as ${enable && !force ? 'a role other than its owner' : 'a role'} without BYPASSRLS (from this statement on such a role sees no rows of it and writes none)`,
        help: `Before it runs, check which role each app instance connects as. If the app still needs rows of ${name}, create its policies before this statement instead, starting with \`${createPolicy}\` to keep today's behaviour.`,
      },
    };
  },
} satisfies LintRule;

/** Whether a later statement of the same transaction creates a policy on `table`. */
function policyLaterInTransaction(context: RuleContext, table: string): boolean {
  return laterInTransaction(context, (later) => later.kind === 'CreatePolicyStmt' && relationKey(later.body.table) === table);
}
