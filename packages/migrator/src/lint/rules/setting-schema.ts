import { objectName, relationKey, type ObjectType } from '../../sql/ast.js';
import { statementSql } from '../rewrite.js';
import type { LintRule, RuleContext, RunningAppFinding } from '../types.js';
import { displayName, objectCreatedInFile, qualifiedLike, relationCreatedInFile, relationLike, relationText, viewCreatedLater } from './breaking-helpers.js';

const RELATIONS: Partial<Record<ObjectType, string>> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_SEQUENCE: 'sequence',
};
const TYPES: Partial<Record<ObjectType, string>> = { OBJECT_TYPE: 'type', OBJECT_DOMAIN: 'domain' };
const FUNCTIONS: Partial<Record<ObjectType, string>> = { OBJECT_FUNCTION: 'function', OBJECT_PROCEDURE: 'procedure', OBJECT_ROUTINE: 'routine' };

/**
 * SET SCHEMA moves the object at once; the application version still running during the
 * migration names it by its old schema-qualified name (Drizzle qualifies every table of a
 * `pgSchema`) or finds it through search_path, and fails with "does not exist" until the new
 * version is deployed.
 * https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-SET-SCHEMA
 */
export const settingSchema = {
  id: 'setting-schema',
  severity: 'error',
  hazard: 'running-app',
  title: 'Moving an object the running app uses to another schema',
  kinds: ['RenameStmt', 'AlterObjectSchemaStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind === 'RenameStmt' && statement.body.renameType === 'OBJECT_SCHEMA') return renamedSchema(context, statement.body.subname, statement.body.newname);
    if (statement.kind !== 'AlterObjectSchemaStmt') return undefined;
    const type = statement.body.objectType;
    const newSchema = statement.body.newschema ?? '?';
    if (type === undefined) return undefined;
    const relationWord = RELATIONS[type];
    const word = relationWord ?? TYPES[type] ?? FUNCTIONS[type];
    if (!word) return undefined;
    const raw = relationWord ? relationKey(statement.body.relation) : objectName(statement.body.object);
    if (!raw) return undefined;
    const from = raw.includes('.') ? raw : `public.${raw}`;
    const bare = from.slice(from.indexOf('.') + 1);
    if (relationWord ? relationCreatedInFile(context, from) : objectCreatedInFile(context, TYPES[type] ? 'type' : 'function', from)) return undefined;
    const message = `Moving ${word} ${displayName(from)} to schema ${newSchema} breaks the running app: it still names ${displayName(from)} (or finds it through search_path) and fails until the new version is deployed.`;
    const moved = `${newSchema}.${bare}`;
    // No earlier migration prepares a move (the recipe below replaces it): only `-- sdk:phase contract` makes it a contract step.
    const contract = (instead: string) => ({
      action: `Moving ${word} ${displayName(from)} to schema ${newSchema}`,
      requires: `the application version running now names neither ${displayName(from)} nor ${moved}, and does not find it through search_path (its queries that use the old name fail from this statement on, those that use the new one until it has run)`,
      help: `Before it runs, check that no instance runs an app version that names ${displayName(from)} or ${moved}. If the new version uses ${moved}, ${instead}`,
    });
    if (relationWord && relationWord !== 'sequence') {
      // The expand/contract pattern itself: a later statement recreates the old name as a view.
      if (viewCreatedLater(context, from)) return undefined;
      const userText = relationText(statement.sql, from);
      const oldName = relationLike(from, userText);
      const newName = qualifiedLike(`${newSchema}.${bare}`, userText);
      return {
        message,
        help: [
          'Instead, keep the old name working until the new app is deployed:',
          `1. Move it and, in the same migration, create a view with the old name: \`${statementSql(statement.sql)}\` then \`CREATE VIEW ${oldName} AS SELECT * FROM ${newName};\`${relationWord === 'table' ? ' (a simple view is updatable, so INSERTs, UPDATEs and DELETEs keep working too)' : ''}.`,
          `2. Deploy the app version that uses ${newSchema}.${bare}.`,
          `3. In a contract migration (a file that starts with \`-- sdk:phase contract\`), drop the view: \`DROP VIEW ${oldName};\`.`,
        ].join('\n'),
        contract: contract(`keep the old name working instead: in the same migration as the move, \`CREATE VIEW ${oldName} AS SELECT * FROM ${newName};\`, and drop that view in the contract migration.`),
      };
    }
    const bridge = FUNCTIONS[type] ? ', or keep a function with the old name that calls the moved one until then' : '';
    return {
      message,
      help: `Instead, first deploy an app version that no longer names ${displayName(from)}${bridge}, then move it in a contract migration, a file that starts with \`-- sdk:phase contract\` (\`pnpm sdk db migrate --phase expand\` applies everything before it).`,
      contract: contract(
        FUNCTIONS[type]
          ? `keep a function with the old name that calls the moved one until no app version uses the old name.`
          : `no moment suits the move (one version or the other fails): first deploy a version that names neither.`,
      ),
    };
  },
} satisfies LintRule;

/**
 * `ALTER SCHEMA ... RENAME TO` moves every object of the schema to the new name at once: the
 * running app's schema-qualified queries (Drizzle's `pgSchema`) and its search_path stop finding
 * them. The move-plus-view recipe would need a view per table, so the help is the deploy-first
 * order. strong_migrations checks it as "renaming a schema"
 * (https://github.com/ankane/strong_migrations#renaming-a-schema).
 */
function renamedSchema(context: RuleContext, from: string | undefined, to: string | undefined): RunningAppFinding | undefined {
  if (typeof from !== 'string' || typeof to !== 'string' || objectCreatedInFile(context, 'schema', from)) return undefined;
  return {
    message: `Renaming schema ${from} to ${to} moves every table, view, type and function in it at once, which breaks the running app: it still names ${from} (or has it on its search_path) and fails until the new version is deployed.`,
    help:
      `Instead, move what the app uses one object at a time, each with a view under its old name (\`ALTER TABLE ${from}.<table> SET SCHEMA ${to};\` then \`CREATE VIEW ${from}.<table> AS SELECT * FROM ${to}.<table>;\`), ` +
      `deploy the app version that uses ${to}, and drop the views and the old schema in a contract migration (a file that starts with \`-- sdk:phase contract\`).`,
    contract: {
      action: `Renaming schema ${from} to ${to}`,
      requires: `the application version running now names neither ${from} nor ${to} (nor has either on its search_path)`,
      help: `Before it runs, check that no instance runs an app version that uses ${from} or ${to}: no moment suits the rename while one does (one version or the other fails).`,
    },
  };
}
