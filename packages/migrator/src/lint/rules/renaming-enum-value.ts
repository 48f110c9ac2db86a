import { nameList } from '../../sql/ast.js';
import type { LintRule, RuleContext } from '../types.js';
import { BACKFILL_HOW, backfillCommand } from './backfill-helpers.js';
import { displayName, identLike, objectCreatedInFile, relationLike, relationText } from './breaking-helpers.js';

/**
 * ALTER TYPE ... RENAME VALUE is instant, but the application version still running during the
 * migration writes and compares the old label: from the moment the rename commits its inserts and
 * updates fail with "invalid input value for enum", and its WHERE clauses stop matching. There is
 * no alias for an enum label, and PostgreSQL cannot drop one, so the safe way adds the new label,
 * moves the rows and leaves the old label unused.
 * https://www.postgresql.org/docs/current/sql-altertype.html
 * https://www.postgresql.org/docs/current/datatype-enum.html
 */
export const renamingEnumValue = {
  id: 'renaming-enum-value',
  severity: 'error',
  hazard: 'running-app',
  title: 'Renaming an enum value the running app uses',
  kinds: ['AlterEnumStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind !== 'AlterEnumStmt') return undefined;
    const { oldVal, newVal } = statement.body;
    if (typeof oldVal !== 'string' || typeof newVal !== 'string') return undefined;
    const qualifiedType = nameList(statement.body.typeName);
    if (objectCreatedInFile(context, 'type', qualifiedType)) return undefined;
    const key = qualifiedType.includes('.') ? qualifiedType : `public.${qualifiedType}`;
    const type = displayName(key);
    const userType = relationText(statement.sql, key);
    const typeSql = relationLike(key, userType);
    const from = literal(oldVal);
    const to = literal(newVal);
    const use = enumColumn(context, qualifiedType);
    const table = use ? relationLike(use.table, userType) : '<table>';
    const column = use ? identLike(use.column, userType) : '<column>';
    const addValue = `ALTER TYPE ${typeSql} ADD VALUE ${to};`;
    return {
      message: `Renaming value ${from} of enum ${type} to ${to} breaks the running app: it still writes and compares ${from}, and its writes of ${from} fail with "invalid input value for enum" from the moment the migration commits.`,
      help: [
        'Instead, add the new value next to the old one and move the rows:',
        `1. Add the value: \`${addValue}\` (before PostgreSQL 12, outside a transaction block; a transaction that adds it cannot use it before it commits: see enum-value-in-transaction).`,
        `2. Deploy the app version that reads both ${from} and ${to} and writes ${to}.`,
        `3. Backfill the rows: \`${backfillCommand({ table, set: `${column} = ${to}`, where: `${column} = ${from}` })}\` (${BACKFILL_HOW}).`,
        `4. Leave ${from} unused: PostgreSQL cannot drop an enum value (recreating the type without it rewrites every table that uses it).`,
      ].join('\n'),
      // No earlier migration prepares a value rename: only `-- sdk:phase contract` makes it a contract step.
      contract: {
        action: `Renaming value ${from} of enum ${type} to ${to}`,
        requires: `the application version running now uses neither ${from} nor ${to} (its writes of ${from} fail from this statement on, those of ${to} until it has run)`,
        help: `Before it runs, check that no instance runs an app version that writes or compares ${from} or ${to}. If the new version uses ${to}, add it instead: \`${addValue}\` in an expand migration, backfill the rows from ${from} to ${to}, and leave ${from} unused.`,
      },
    };
  },
} satisfies LintRule;

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The first column known (from this and earlier migrations) to be of the enum type, for the backfill command. */
function enumColumn(context: RuleContext, qualifiedType: string): { table: string; column: string } | undefined {
  const name = qualifiedType.slice(qualifiedType.lastIndexOf('.') + 1).toLowerCase();
  for (const [table, columns] of context.knowledge.columns) {
    for (const [column, type] of columns) if (type.name === name && !type.array) return { table, column };
  }
  return undefined;
}
