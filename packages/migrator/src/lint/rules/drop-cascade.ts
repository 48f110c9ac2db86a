import { bodyOf, list, objectName, relationKey, type AlterTableStmt, type AlterTableType, type DropStmt, type ObjectType } from '../../sql/ast.js';
import { removeWords, statementSql } from '../rewrite.js';
import type { Finding, LintRule, RuleContext } from '../types.js';
import { objectCreatedInFile, relationCreatedInFile } from './breaking-helpers.js';

/** What CASCADE takes with it, by object type: the dependents pg_depend records for it. */
const DEPENDENTS: Partial<Record<ObjectType | AlterTableType, string>> = {
  OBJECT_TABLE: 'the views that select from it and the foreign keys of other tables that reference it',
  OBJECT_VIEW: 'the views that select from it',
  OBJECT_MATVIEW: 'the views that select from it',
  OBJECT_FOREIGN_TABLE: 'the views that select from it',
  OBJECT_TYPE: 'every column of that type in every table, with its data, and the functions that use it',
  OBJECT_DOMAIN: 'every column of that type in every table, with its data, and the functions that use it',
  OBJECT_SCHEMA: 'everything in the schema, with its data',
  OBJECT_FUNCTION: 'the triggers, column defaults, constraints and views that call it',
  OBJECT_PROCEDURE: 'the objects that depend on it',
  OBJECT_ROUTINE: 'the triggers, column defaults, constraints and views that call it',
  OBJECT_SEQUENCE: 'the column defaults that take their values from it',
  OBJECT_EXTENSION: 'every column, index, view and function that uses its types or functions',
  OBJECT_INDEX: 'the foreign keys that rely on it',
  AT_DropColumn: 'the views, indexes and constraints that use the column',
  AT_DropConstraint: 'the foreign keys of other tables that rely on its index',
};

const OBJECT_WORDS: Partial<Record<ObjectType, string>> = { OBJECT_MATVIEW: 'materialized view', OBJECT_FOREIGN_TABLE: 'foreign table' };

/** Relations whose creation earlier in the file relationCreatedInFile knows. */
const RELATIONS = new Set<ObjectType>(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE']);

/**
 * CASCADE drops every object that depends on the one named, without listing them: a view the app
 * reads, another table's foreign key (its integrity check gone), every column of a dropped type
 * with its data. RESTRICT (the default) refuses instead and names the dependents.
 * https://www.postgresql.org/docs/current/ddl-depend.html
 */
export const dropCascade = {
  id: 'drop-cascade',
  severity: 'error',
  hazard: 'database',
  title: 'Dropping with CASCADE',
  kinds: ['DropStmt', 'DropOwnedStmt', 'AlterTableStmt'],
  check(context) {
    const { statement } = context;
    if (statement.kind === 'DropStmt' && statement.body.behavior === 'DROP_CASCADE') return dropStatement(context, statement.body);
    if (statement.kind === 'DropOwnedStmt' && statement.body.behavior === 'DROP_CASCADE') {
      return finding(context, 'DROP OWNED with CASCADE', 'the objects of other roles that depend on them');
    }
    if (statement.kind === 'AlterTableStmt') return alterStatement(context, statement.body);
    return undefined;
  },
} satisfies LintRule;

function dropStatement(context: RuleContext, body: DropStmt): Finding | undefined {
  const type = body.removeType;
  const names = list(body.objects).map(objectName);
  const created = (name: string) => {
    const qualified = name.includes('.') ? name : `public.${name}`;
    if (type !== undefined && RELATIONS.has(type)) return relationCreatedInFile(context, qualified);
    if (type === 'OBJECT_TYPE' || type === 'OBJECT_DOMAIN') return objectCreatedInFile(context, 'type', name);
    if (type === 'OBJECT_FUNCTION' || type === 'OBJECT_PROCEDURE' || type === 'OBJECT_ROUTINE') return objectCreatedInFile(context, 'function', name);
    if (type === 'OBJECT_SCHEMA') return objectCreatedInFile(context, 'schema', name);
    return false;
  };
  // Objects created earlier in this file have no dependents the running app relies on.
  if (names.length > 0 && names.every(created)) return undefined;
  const word = type === undefined ? '' : (OBJECT_WORDS[type] ?? type.replace(/^OBJECT_/, '').toLowerCase().replace(/_/g, ' '));
  return finding(context, `Dropping ${word} ${names.join(', ')} with CASCADE`, (type && DEPENDENTS[type]) ?? 'everything that depends on it');
}

function alterStatement(context: RuleContext, body: AlterTableStmt): Finding[] {
  if (!list(body.cmds).some((item) => bodyOf(item, 'AlterTableCmd')?.behavior === 'DROP_CASCADE')) return [];
  const table = relationKey(body.relation);
  if (body.objtype === 'OBJECT_TABLE' && relationCreatedInFile(context, table)) return [];
  const findings: Finding[] = [];
  for (const item of list(body.cmds)) {
    const cmd = bodyOf(item, 'AlterTableCmd');
    if (cmd?.behavior !== 'DROP_CASCADE' || (cmd.subtype !== 'AT_DropColumn' && cmd.subtype !== 'AT_DropConstraint')) continue;
    const what = cmd.subtype === 'AT_DropColumn' ? (body.objtype === 'OBJECT_TYPE' ? 'attribute' : 'column') : 'constraint';
    const name = relationKey(body.relation)?.replace(/^public\./, '') ?? '?';
    findings.push(finding(context, `Dropping ${what} ${cmd.name ?? '?'} of ${name} with CASCADE`, DEPENDENTS[cmd.subtype]!));
  }
  return findings;
}

function finding(context: RuleContext, subject: string, dependents: string): Finding {
  const restricted = removeWords(context.statement.sql, ['CASCADE']);
  return {
    message: `${subject} also silently drops ${dependents}; the running app may still rely on them.`,
    help: `Drop the dependents explicitly first, then use RESTRICT (the default)${restricted ? `: \`${statementSql(restricted)}\`` : ''}, which refuses and names whatever still depends on it instead of dropping it silently (run it on a copy of production to get the list).`,
  };
}
